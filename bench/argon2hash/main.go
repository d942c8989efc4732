// Command argon2hash prints the argon2id hash (PHC form, as Roost stores it)
// of the password on the first line of standard input, with the cost
// parameters given as flags. bench/compare.sh uses it to make the idle
// workload's account cheap to log in to: the same string goes into Roost
// (`roost user add --password-hash`) and into Dovecot's passwd-file
// ({ARGON2ID} scheme), so both servers verify exactly the same hash.
//
//	printf '%s\n' "$PASS" | go run ./bench/argon2hash -m 64 -t 1 -p 1
//
// The defaults are deliberately cheap (about 0.1 ms); never use such a hash
// for a real account.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"

	"roost/internal/auth"
)

func main() {
	m := flag.Uint("m", 64, "memory in KiB")
	t := flag.Uint("t", 1, "passes")
	p := flag.Uint("p", 1, "lanes")
	flag.Parse()
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	pass := strings.TrimRight(line, "\r\n")
	if pass == "" {
		fmt.Fprintln(os.Stderr, "argon2hash: no password on standard input", err)
		os.Exit(2)
	}
	if *p < 1 || *p > 255 {
		fmt.Fprintln(os.Stderr, "argon2hash: -p must be 1..255")
		os.Exit(2)
	}
	params := auth.TestParams
	params.Memory, params.Time, params.Threads = uint32(*m), uint32(*t), uint8(*p)
	h, err := auth.HashWith(pass, params)
	if err != nil {
		fmt.Fprintln(os.Stderr, "argon2hash:", err)
		os.Exit(1)
	}
	fmt.Println(h)
}
