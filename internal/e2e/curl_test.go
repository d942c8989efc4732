package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"roost/internal/testenv"
)

// TestCurl uses curl's IMAP support: upload (APPEND), list, search and
// fetch over plain loopback IMAP, STARTTLS and implicit TLS. curl must be
// installed: without it the test skips, except under CI=true (.ci/run
// installs it), where it fails.
func TestCurl(t *testing.T) {
	curlPath := testenv.Program(t, "curl", "curl")
	data := t.TempDir()
	addUser(t, data, "curly", "pa55-word")
	s := startServer(t, data)
	imapURL := "imap://" + s.imapAddr
	imapsURL := "imaps://" + s.imapsAddr
	certPath := filepath.Join(data, "tls", "cert.pem")

	curl := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		args = append([]string{"-sS", "--max-time", "30", "-u", "curly:pa55-word"}, args...)
		cmd := exec.CommandContext(ctx, curlPath, args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("curl %s: %v\nstderr: %s", strings.Join(args, " "), err, stderr.String())
		}
		return string(out)
	}

	// Upload two messages: curl sends APPEND INBOX (\Seen) {n}.
	msgs := []string{
		testMessage("curl1@e2e", "curl first", "fetched by curl"),
		testMessage("curl2@e2e", "curl second", "searched by curl"),
	}
	for i, m := range msgs {
		f := filepath.Join(t.TempDir(), "msg.eml")
		if err := os.WriteFile(f, []byte(m), 0o600); err != nil {
			t.Fatal(err)
		}
		if out := curl("-T", f, imapURL+"/INBOX"); out != "" {
			t.Fatalf("upload #%d printed %q, want nothing", i+1, out)
		}
	}

	// A URL naming a mailbox without UID lists it: LIST "INBOX" *.
	if got, want := curl(imapURL+"/INBOX"), "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n"; got != want {
		t.Errorf("curl %s/INBOX (LIST) = %q, want %q", imapURL, got, want)
	}

	// A query is a SEARCH in the mailbox.
	if got, want := curl(imapURL+"/INBOX?SUBJECT%20second"), "* SEARCH 2\r\n"; got != want {
		t.Errorf("curl SEARCH SUBJECT second = %q, want %q", got, want)
	}

	// ;UID=n fetches the whole message (SELECT, then UID FETCH n BODY[]).
	if got := curl(imapURL + "/INBOX;UID=1"); got != msgs[0] {
		t.Errorf("curl INBOX;UID=1 over plain IMAP:\n%q\nwant\n%q", got, msgs[0])
	}
	// STARTTLS required, certificate verified against the generated one.
	if got := curl("--ssl-reqd", "--cacert", certPath, imapURL+"/INBOX;UID=2"); got != msgs[1] {
		t.Errorf("curl --ssl-reqd INBOX;UID=2:\n%q\nwant\n%q", got, msgs[1])
	}
	// Implicit TLS, certificate not verified.
	if got := curl("-k", imapsURL+"/INBOX;UID=1"); got != msgs[0] {
		t.Errorf("curl -k imaps INBOX;UID=1:\n%q\nwant\n%q", got, msgs[0])
	}
	// A section of the message: its body.
	if got, want := curl("-k", imapsURL+"/INBOX;UID=2/;SECTION=TEXT"), "searched by curl\r\n"; got != want {
		t.Errorf("curl ;SECTION=TEXT = %q, want %q", got, want)
	}
}
