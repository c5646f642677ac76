package tune

import (
	"fmt"
	"os"
	"strings"
)

// EnvTuning names the environment variable that switches parts of the
// SQLite tuning off, for measuring whether each still pays: a
// comma-separated list of "nobinder" (statements run with their literals
// as bun wrote them; only texts that come with arguments, and SELECTs seen
// before, are cached) and "nocache" (no statement cache, hence no binder
// either). It is a measuring knob, not a setting: a node serves best
// without it.
const EnvTuning = "KITH_SQLITE_TUNING"

// Options says which parts of the SQLite tuning are off. The zero value
// has everything on.
type Options struct {
	NoBinder bool
	NoCache  bool
}

// OptionsFromEnv reads EnvTuning; storage.Open and storage.OpenReadPool
// call it once each, as they open the database.
func OptionsFromEnv() (Options, error) {
	return ParseOptions(os.Getenv(EnvTuning))
}

// ParseOptions reads a value of EnvTuning.
func ParseOptions(v string) (Options, error) {
	var o Options
	for _, word := range strings.Split(v, ",") {
		switch strings.TrimSpace(word) {
		case "":
		case "nobinder":
			o.NoBinder = true
		case "nocache":
			o.NoCache = true
		default:
			return Options{}, fmt.Errorf("%s=%q: %q is not nobinder or nocache", EnvTuning, v, strings.TrimSpace(word))
		}
	}
	return o, nil
}
