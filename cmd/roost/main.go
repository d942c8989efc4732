// Command roost is the Roost IMAP server and its administration tool.
// Run `roost help` for the commands.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}))
}
