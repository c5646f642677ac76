package admin_test

import (
	"flag"
	"os"
	"runtime"
	"testing"
)

// minParallel is how many tests run at once unless -parallel says
// otherwise. The tests of this package mostly wait (on the fake
// fediverse, the job queue, a browser), so go test's default of
// GOMAXPROCS — two on a small CI machine — leaves it idle: the package
// took three minutes on two cores, and takes well under one with eight.
const minParallel = 8

func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit && runtime.GOMAXPROCS(0) < minParallel {
		if err := flag.Set("test.parallel", "8"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
