// Package e2e holds Roost's end-to-end tests: they build the roost binary,
// run it as a child process on loopback ports, and talk to it with real
// clients (go-imap v2, Python's imaplib, curl) and the roost CLI itself.
// There is no non-test code here.
package e2e
