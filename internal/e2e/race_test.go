//go:build race

package e2e

// raceEnabled: the tests run with -race, so the server binary is built
// with it too and races in the server under real load fail the run.
const raceEnabled = true
