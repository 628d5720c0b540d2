// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

// Package reliability proves wxlink's promise, "nothing lost, nothing done twice", under faults: the built
// manager and wechatsim run as processes against a local control plane (real etcd and kube-apiserver on
// loopback, hack/local-controlplane.sh), as in test/e2e, and every scenario ends with invariants checked
// from the simulator's own state and call log, never from wxlink's status alone:
//   - every declared, admitted link exists on the platform, and wxamplink applied it at most once per
//     declaration, repeated at most once per proven ambiguous failure (a connection dropped after the
//     platform handled the request);
//   - a link deleted with deletionPolicy Delete is gone from the platform; one deleted with Orphan was never
//     unlinked;
//   - each Official Account's count of this month's new links equals the platform's;
//   - the platform refused no link for a quota (links over quota wait in wxlink's queue instead);
//   - no secret of the run appears in a log of the manager or the simulator, or in kubectl's output (the
//     bad-input catalogue's included), as it is or in base64: the AppSecrets, the access tokens, and, from
//     the fleet's third-party-platform slice (one Official Account on the ThirdPartyPlatform route), the
//     component secret, callback token and EncodingAESKey, the authorizer refresh and access tokens, the
//     component access token and the component_verify_ticket.
//
// The scenarios (one test each): the fault matrix (TestFaultMatrix), SIGKILL chaos (TestSIGKILLChaos), leader
// failover (TestLeaderFailover), an apiserver restart with conflicting writes (TestAPIServerRestart), and the
// bad-input catalogue of badinput/ (TestBadInputCatalogue). Each prints its figures at the end.
//
// Run it with `make reliability` (SIZE Official Accounts, 10 links each; default 20: 200 links) or, after
// building bin/manager and bin/wechatsim,
//
//	go test ./test/reliability/ -count=1 -v -timeout 20m -args -size=20 -kills=20
//
// `make test` runs the short version (`make test-reliability-short`: -size=2 -kills=3 -concurrent), one pass
// of each scenario, the scenarios at once (each has its own namespace, simulator and managers, which watch
// only that namespace; the apiserver restart runs alone first); docs/reliability.md has its time and the
// figures of a full run.
package reliability
