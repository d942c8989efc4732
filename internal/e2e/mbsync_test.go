package e2e

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"roost/internal/testenv"
)

// TestMbsync synchronises a Maildir both ways with mbsync (isync) over
// implicit TLS, verifying the generated certificate: messages made on the
// server arrive in the Maildir with their flags; messages added, flagged
// and deleted in the Maildir are then exactly so on the server. mbsync
// comes from Debian's isync: without it the test skips, except under CI=true
// (.ci/run installs it), where it fails.
func TestMbsync(t *testing.T) {
	mbsyncPath := testenv.Program(t, "mbsync", "isync")
	data := t.TempDir()
	addUser(t, data, "syncer", `sync "pw" 1`)
	s := startServer(t, data)

	msgs := []string{
		testMessage("sync1@e2e", "first", "read already"),
		testMessage("sync2@e2e", "second", "flagged, deleted later"),
		testMessage("sync3@e2e", "third", "plain"),
	}
	c := dialTLS(t, s)
	login(t, c, "syncer", `sync "pw" 1`)
	appendMessage(t, c, "INBOX", msgs[0], imap.FlagSeen)
	appendMessage(t, c, "INBOX", msgs[1], imap.FlagFlagged)
	appendMessage(t, c, "INBOX", msgs[2])
	c.Logout().Wait()

	home := t.TempDir()
	maildir := filepath.Join(home, "Mail")
	config := filepath.Join(home, "mbsyncrc")
	cfg := strings.Join([]string{
		"IMAPAccount roost",
		"Host 127.0.0.1",
		"Port " + portOf(s.imapsAddr),
		"User syncer",
		`Pass "sync \"pw\" 1"`,
		"SSLType IMAPS",
		"CertificateFile " + filepath.Join(data, "tls", "cert.pem"),
		"",
		"IMAPStore remote",
		"Account roost",
		"",
		"MaildirStore local",
		"Path " + maildir + "/",
		"Inbox " + filepath.Join(maildir, "INBOX"),
		"",
		"Channel roost",
		"Far :remote:",
		"Near :local:",
		"Patterns INBOX",
		"Create Both",
		"Expunge Both",
		"SyncState *",
		"Sync All",
		"",
	}, "\n")
	if err := os.Mkdir(maildir, 0o700); err != nil { // mbsync wants the root
		t.Fatal(err)
	}
	if err := os.WriteFile(config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	mbsync := func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, mbsyncPath, "-c", config, "-a")
		cmd.Env = append(childEnv(), "HOME="+home)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("mbsync: %v\n%s", err, out)
		}
	}

	// Server → Maildir: the contents (mbsync stores LF line ends) and
	// the flags in the file names (":2,FS...", RFC-less Maildir spec).
	mbsync()
	files := maildirFiles(t, filepath.Join(maildir, "INBOX"))
	want := map[string]string{"sync1@e2e": "S", "sync2@e2e": "F", "sync3@e2e": ""}
	got := map[string]string{}
	for id, f := range files {
		got[id] = f.flags
	}
	if !maps.Equal(got, want) {
		t.Fatalf("Maildir after first sync: flags by Message-ID %v, want %v", got, want)
	}
	// mbsync marks the messages it transfers with an X-TUID header (to
	// find them again); apart from it they arrive unchanged.
	tuid := regexp.MustCompile(`(?m)^X-TUID: [A-Za-z0-9+/]+\r?\n`)
	for i, m := range msgs {
		id := "sync" + string(rune('1'+i)) + "@e2e"
		want := strings.ReplaceAll(m, "\r\n", "\n")
		if got := tuid.ReplaceAllString(files[id].content, ""); got != want {
			t.Errorf("Maildir copy of %s:\n%q\nwant\n%q", id, got, want)
		}
	}

	// Maildir → server: answer the first, delete the second, flag the
	// third, add a fourth.
	setFlags := func(f maildirFile, flags string) {
		t.Helper()
		dir := filepath.Dir(filepath.Dir(f.path))
		base := filepath.Base(f.path)
		if i := strings.Index(base, ":2,"); i >= 0 {
			base = base[:i]
		}
		if err := os.Rename(f.path, filepath.Join(dir, "cur", base+":2,"+flags)); err != nil {
			t.Fatal(err)
		}
	}
	setFlags(files["sync1@e2e"], "RS")
	if err := os.Remove(files["sync2@e2e"].path); err != nil {
		t.Fatal(err)
	}
	setFlags(files["sync3@e2e"], "F")
	fourth := testMessage("sync4@e2e", "fourth", "written offline")
	newPath := filepath.Join(maildir, "INBOX", "new", "1767225600.e2e.localhost")
	if err := os.WriteFile(newPath, []byte(strings.ReplaceAll(fourth, "\r\n", "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	mbsync()

	c = dialTLS(t, s)
	login(t, c, "syncer", `sync "pw" 1`)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	fetched, err := c.Fetch(imap.UIDSet{{Start: 1, Stop: 10}}, &imap.FetchOptions{
		UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	type serverMsg struct {
		UID   imap.UID
		Flags []string
		Body  string
	}
	var gotServer []serverMsg
	for _, m := range fetched {
		var body string
		for _, b := range m.BodySection {
			body = string(b.Bytes)
		}
		gotServer = append(gotServer, serverMsg{m.UID, flagStrings(m.Flags), body})
	}
	for i := range gotServer {
		gotServer[i].Body = tuid.ReplaceAllString(gotServer[i].Body, "")
	}
	wantServer := []serverMsg{
		{1, []string{`\Answered`, `\Seen`}, msgs[0]},
		{3, []string{`\Flagged`}, msgs[2]},
		{4, []string{}, fourth},
	}
	if !slices.EqualFunc(gotServer, wantServer, func(a, b serverMsg) bool {
		return a.UID == b.UID && slices.Equal(a.Flags, b.Flags) && a.Body == b.Body
	}) {
		t.Fatalf("server after second sync:\n got %+v\nwant %+v", gotServer, wantServer)
	}

	// A third run finds nothing to do and changes nothing.
	mbsync()
	if files := maildirFiles(t, filepath.Join(maildir, "INBOX")); len(files) != 3 || files["sync2@e2e"].path != "" {
		t.Fatalf("Maildir after third sync: %v", files)
	}
}

type maildirFile struct {
	path, flags, content string
}

// maildirFiles reads a Maildir's new/ and cur/ messages by Message-ID.
func maildirFiles(t *testing.T, dir string) map[string]maildirFile {
	t.Helper()
	out := map[string]maildirFile{}
	idRE := regexp.MustCompile(`(?m)^Message-ID: <([^>]+)>`)
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			p := filepath.Join(dir, sub, e.Name())
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			m := idRE.FindSubmatch(b)
			if m == nil {
				t.Fatalf("%s has no Message-ID:\n%s", p, b)
			}
			flags := ""
			if i := strings.Index(e.Name(), ":2,"); i >= 0 {
				f := strings.Split(e.Name()[i+3:], "")
				sort.Strings(f)
				flags = strings.Join(f, "")
			}
			out[string(m[1])] = maildirFile{path: p, flags: flags, content: string(b)}
		}
	}
	return out
}
