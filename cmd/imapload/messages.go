package main

// Message sources: files given with --messages, the varied built-in set
// (generate.go) for append and body, and small plain generated messages
// whose subjects and bodies carry known words, so that the SEARCH counts of
// bigbox and the fill of mixed and idle can be predicted exactly.

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// loadMessages reads every *.eml of dir in name order.
func loadMessages(dir string) ([][]byte, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var msgs [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, b)
	}
	if len(msgs) == 0 {
		return nil, fmt.Errorf("no .eml files in %s", dir)
	}
	return msgs, nil
}

// Words placed in generated messages: subjectWords[i%len] goes in the
// Subject of message i (1-based), bodyWords[i%len] in its body. None is a
// substring of another or of the filler text.
var (
	subjectWords = []string{"quartz", "walnut", "orchid", "falcon", "copper", "meadow", "harbor", "lantern"}
	bodyWords    = []string{"nebula", "glacier", "saffron", "tundra", "zephyr"}
)

// expectedMatches is how many of messages 1..n have word index k of a list
// of length m (message i carries word i%m).
func expectedMatches(n, m, k int) int {
	c := 0
	for i := 1; i <= n; i++ {
		if i%m == k {
			c++
		}
	}
	return c
}

var filler = []string{
	"Please find the quarterly figures attached below for your review.",
	"The meeting has been moved to Thursday afternoon in the usual room.",
	"Let me know if anything in the draft needs another pass before Friday.",
	"We shipped the new build to the staging environment this morning.",
	"Thanks again for the quick turnaround on the last round of changes.",
	"The numbers line up with what we discussed on the call last week.",
}

// generatedMessage builds message i (1-based) of a generated set: about
// 1 KB, CRLF line endings, a date spread over a year in a scrambled order
// so that sorting by date has real work to do.
func generatedMessage(i int) []byte {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	date := base.Add(time.Duration((i*7919)%525600) * time.Minute)
	var b strings.Builder
	fmt.Fprintf(&b, "From: Sender %d <sender%d@example.com>\r\n", i%50, i%50)
	fmt.Fprintf(&b, "To: Load Test <load@example.org>\r\n")
	fmt.Fprintf(&b, "Subject: Status update %d %s\r\n", i, subjectWords[i%len(subjectWords)])
	fmt.Fprintf(&b, "Date: %s\r\n", date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <gen%d@load.example.com>\r\n", i)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
	fmt.Fprintf(&b, "Hello,\r\n\r\nThis is the %s report number %d.\r\n", bodyWords[i%len(bodyWords)], i)
	for k := 0; k < 12; k++ {
		b.WriteString(filler[(i+k)%len(filler)])
		b.WriteString("\r\n")
	}
	b.WriteString("\r\nRegards,\r\nThe load generator\r\n")
	return []byte(b.String())
}

// generatedMessages returns messages from..to (1-based, inclusive).
func generatedMessages(from, to int) [][]byte {
	msgs := make([][]byte, 0, to-from+1)
	for i := from; i <= to; i++ {
		msgs = append(msgs, generatedMessage(i))
	}
	return msgs
}

func totalSize(msgs [][]byte) int64 {
	var n int64
	for _, m := range msgs {
		n += int64(len(m))
	}
	return n
}
