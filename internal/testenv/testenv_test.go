package testenv

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMissingOutsideAndInsideCI runs this package's helper test in a child
// process, once without CI and once with CI=true, and checks that the same
// absence is a skip in the first and a failure in the second.
func TestMissingOutsideAndInsideCI(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") == "1" {
		return
	}
	for _, tc := range []struct {
		ci       string
		wantFail bool
		wantText string
	}{
		{"", false, "--- SKIP: TestChildMissing"},
		{"true", true, "--- FAIL: TestChildMissing"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestChildMissing$", "-test.v")
		cmd.Env = append(os.Environ(), "TESTENV_CHILD=1", "CI="+tc.ci)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		failed := errors.As(err, &exit)
		if err != nil && !failed {
			t.Fatal(err)
		}
		if failed != tc.wantFail || !strings.Contains(string(out), tc.wantText) ||
			!strings.Contains(string(out), "the thing is absent") {
			t.Errorf("CI=%q: failed=%v, output:\n%s", tc.ci, failed, out)
		}
	}
}

// TestChildMissing is run only as the child of the test above.
func TestChildMissing(t *testing.T) {
	if os.Getenv("TESTENV_CHILD") != "1" {
		t.Skip("run as a child process by TestMissingOutsideAndInsideCI")
	}
	Missing(t, "the thing is absent", errors.New("not found"))
	t.Error("Missing returned")
}

func TestProgramFound(t *testing.T) {
	if got := Program(t, "go", "golang"); !strings.HasSuffix(got, "/go") {
		t.Errorf("Program(go) = %q", got)
	}
}
