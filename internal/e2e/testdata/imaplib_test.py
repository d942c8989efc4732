"""Roost end-to-end test with Python's imaplib.

Run by internal/e2e/imaplib_test.go as:
    python3 imaplib_test.py HOST IMAP_PORT IMAPS_PORT USER PASSWORD

Exits 0 and prints "imaplib: all checks passed" when every check holds;
otherwise prints each mismatch (got vs want) and exits 1.
"""

import imaplib
import ssl
import sys

failures = []


def check(what, got, want):
    if got != want:
        failures.append("%s: got %r, want %r" % (what, got, want))


def ok(what, resp):
    """Return the data of a response, recording a failure unless it is OK."""
    typ, data = resp
    check(what + " status", typ, "OK")
    return data


def message(msgid, subject, body):
    return (
        "From: Py <py@example.org>\r\n"
        "To: Roost <roost@example.org>\r\n"
        "Subject: %s\r\n"
        "Message-ID: <%s>\r\n"
        "Date: Tue, 03 Jan 2006 10:00:00 +0000\r\n"
        "\r\n"
        "%s\r\n" % (subject, msgid, body)
    ).encode("ascii")


def session(conn, user, password, label):
    ok(label + " LOGIN", conn.login(user, password))
    data = ok(label + " SELECT INBOX", conn.select("INBOX"))
    start = int(data[0])
    check(label + " messages at start", start, 0)

    m1 = message("py1-%s@e2e" % label, "python one", "hello from imaplib")
    m2 = message("py2-%s@e2e" % label, "python two", "second body")
    ok(label + " APPEND 1", conn.append("INBOX", None, None, m1))
    ok(label + " APPEND 2", conn.append("INBOX", "(\\Flagged)", None, m2))
    ok(label + " NOOP", conn.noop())
    data = ok(label + " SELECT again", conn.select("INBOX"))
    check(label + " EXISTS after 2 appends", int(data[0]), start + 2)
    n1, n2 = start + 1, start + 2

    data = ok(label + " SEARCH SUBJECT", conn.search(None, "SUBJECT", '"python two"'))
    check(label + " SEARCH SUBJECT \"python two\"", data, [str(n2).encode()])
    data = ok(label + " SEARCH FLAGGED", conn.search(None, "FLAGGED"))
    check(label + " SEARCH FLAGGED", data, [str(n2).encode()])

    data = ok(label + " FETCH BODY[]", conn.fetch(str(n1), "(BODY.PEEK[])"))
    check(label + " FETCH BODY[] bytes", data[0][1], m1)
    data = ok(label + " FETCH RFC822.SIZE", conn.fetch(str(n2), "(RFC822.SIZE)"))
    check(label + " RFC822.SIZE", data[0], ("%d (RFC822.SIZE %d)" % (n2, len(m2))).encode())

    data = ok(label + " STORE", conn.store(str(n1), "+FLAGS", "(\\Deleted \\Seen)"))
    flags = sorted(imaplib.ParseFlags(data[0]))
    flags = [f for f in flags if f != b"\\Recent"]
    check(label + " STORE +FLAGS result", flags, [b"\\Deleted", b"\\Seen"])

    data = ok(label + " EXPUNGE", conn.expunge())
    check(label + " EXPUNGE response", data, [str(n1).encode()])
    data = ok(label + " SEARCH ALL", conn.search(None, "ALL"))
    check(label + " messages after EXPUNGE", len(data[0].split()), start + 1)

    # Leave the INBOX empty for the next session.
    ok(label + " STORE 1:*", conn.store("1:*", "+FLAGS.SILENT", "(\\Deleted)"))
    data = ok(label + " EXPUNGE all", conn.expunge())
    check(label + " EXPUNGE all response", data, [str(n).encode() for n in range(start + 1, 0, -1)] or [None])

    ok(label + " CLOSE", conn.close())
    typ, _ = conn.logout()
    check(label + " LOGOUT", typ, "BYE")


def main():
    host, imap_port, imaps_port, user, password = sys.argv[1:6]

    # Plain IMAP on loopback (LOGIN is allowed there without TLS).
    session(imaplib.IMAP4(host, int(imap_port), timeout=30), user, password, "plain")

    # STARTTLS on the same port, certificate not verified (self-signed).
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = imaplib.IMAP4(host, int(imap_port), timeout=30)
    ok("STARTTLS", conn.starttls(ssl_context=ctx))
    session(conn, user, password, "starttls")

    # Implicit TLS on the IMAPS port.
    session(imaplib.IMAP4_SSL(host, int(imaps_port), ssl_context=ctx, timeout=30), user, password, "ssl")

    if failures:
        for f in failures:
            print("MISMATCH " + f)
        sys.exit(1)
    print("imaplib: all checks passed")


if __name__ == "__main__":
    main()
