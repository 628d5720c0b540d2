// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Command benchscale measures how a fleet of AssociationLinks converges, side by side with the least any
// operator can cost, as a user runs wxlink: the built manager binary against a real control plane (etcd and
// kube-apiserver, started here with envtest's provisioning) and the simulator on loopback. `make bench-scale`
// runs it; SIZE sets the number of Official Accounts (10 links each).
//
// One run measures, in order:
//   - the floor: SIZE×10 AssociationLinks carrying the pause annotation and naming no account, created by the
//     same writers: each costs its create and the operator's one status write;
//   - the fleet: SIZE Official Accounts linking 10 same-subject Mini Programs each, over enough Mini Programs
//     to stay under 400 links each, from the first create to every link Ready; the manager's writes to the
//     apiserver per link (its client-go request metrics), its WeChat calls per link by API;
//   - the fleet at rest: WeChat calls per Official Account per poll interval;
//   - freed slots: one more link per sampled Official Account waits behind its full quota; an admitted link of
//     each is deleted, and the time until the queued one is Admitted and Ready is taken per slot;
//   - the manager's peak RSS and CPU seconds, from /proc.
//
// It prints one table and writes it as JSON under bench/.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// config is the run's knobs.
type config struct {
	size       int           // Official Accounts
	linksPerOA int           // links per Official Account (at most the same-subject quota, 10)
	writers    int           // concurrent creators of links
	freed      int           // freed-slot samples
	poll       time.Duration // the manager's --poll-interval
	restPolls  int           // poll intervals observed at rest
	unrelated  int           // unrelated 3 KB Secrets in the cluster
	manager    string        // the manager binary
	extraFlags string        // more manager flags (space-separated), for experiments
	out        string        // the directory of the JSON results
	timeout    time.Duration // the cap of each wait
	profile    string        // where to write CPU profiles of the manager during the fleet phase ("": none)
}

func main() {
	var c config
	flag.IntVar(&c.size, "size", 1000, "Official Accounts, each with -links-per-oa links")
	flag.IntVar(&c.linksPerOA, "links-per-oa", 10, "links per Official Account (at most 10: the same-subject quota)")
	flag.IntVar(&c.writers, "writers", 16, "concurrent writers that create the links")
	flag.IntVar(&c.freed, "freed", 50, "freed-slot samples (Official Accounts that get one queued link)")
	flag.DurationVar(&c.poll, "poll", 2*time.Minute, "the manager's --poll-interval (the default is 10m; shorter, so that the at-rest phase sees two polls in minutes)")
	flag.IntVar(&c.restPolls, "rest-polls", 2, "poll intervals observed at rest")
	flag.IntVar(&c.unrelated, "unrelated-secrets", 2000, "unrelated 3 KB Secrets created in the cluster")
	flag.StringVar(&c.manager, "manager", "bin/manager", "the manager binary")
	flag.StringVar(&c.extraFlags, "manager-flags", "", "more manager flags, space-separated")
	flag.StringVar(&c.out, "out", "bench", "directory of the JSON results")
	flag.DurationVar(&c.timeout, "timeout", 30*time.Minute, "the cap of each wait")
	flag.StringVar(&c.profile, "profile", "", "write a CPU profile of the manager while the fleet converges to this file")
	flag.Parse()
	if c.linksPerOA < 1 || c.linksPerOA > 10 || c.size < 1 {
		fmt.Fprintln(os.Stderr, "benchscale: -size must be positive and -links-per-oa within 1..10")
		os.Exit(2)
	}
	if c.freed > 0 && c.linksPerOA != 10 {
		// The freed-slot phase's extra link waits only behind a full same-subject quota (10).
		fmt.Fprintln(os.Stderr, "benchscale: the freed-slot phase needs -links-per-oa 10 (a full quota); set -freed 0 to skip it")
		os.Exit(2)
	}
	ctrllog.SetLogger(logr.Discard()) // the harness's own caches log nothing worth reading
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, c)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		os.Exit(1)
	}
}

// run sets up the control plane, the simulator and the manager, runs the phases, and reports.
func run(ctx context.Context, c config) error {
	w, err := startWorld(ctx, c)
	if err != nil {
		return err
	}
	defer w.close()
	var r result
	r.Config = resultConfig(c, w)
	for _, phase := range []struct {
		name string
		run  func(context.Context, *world, *result) error
	}{
		{"floor", measureFloor}, {"accounts", setUpAccounts}, {"fleet", measureFleet}, {"rest", measureRest},
		{"freed slots", measureFreedSlots}, {"manager", measureManager},
	} {
		w.logf("phase: %s", phase.name)
		if err := phase.run(ctx, w, &r); err != nil {
			return fmt.Errorf("%s: %w", phase.name, err)
		}
	}
	r.print(os.Stdout)
	path, err := r.save(c.out)
	if err != nil {
		return err
	}
	fmt.Println("written to", path)
	return nil
}
