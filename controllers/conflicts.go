// Copyright 2026 The wxlink Authors.
// SPDX-License-Identifier: Apache-2.0

package controllers

import (
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Conflict backoff: an object that keeps losing write races (409 Conflict) is asked again after a wait that
// doubles from conflictRetry up to maxConflictRetry, with up to half of it again as jitter, so that writers
// racing for one object spread out instead of colliding at a fixed beat. Any other outcome ends the streak.
const (
	conflictRetry    = 250 * time.Millisecond
	maxConflictRetry = 30 * time.Second
)

// conflictBackoff counts each object's streak of conflicts.
type conflictBackoff struct {
	mu     sync.Mutex
	streak map[string]int
}

func newConflictBackoff() *conflictBackoff { return &conflictBackoff{streak: map[string]int{}} }

// after records one more conflict of key and returns how long to wait before the next try.
func (b *conflictBackoff) after(key string) time.Duration {
	n := 0
	if b != nil {
		b.mu.Lock()
		n = b.streak[key]
		b.streak[key] = n + 1
		b.mu.Unlock()
	}
	d := conflictRetry
	for i := 0; i < n && d < maxConflictRetry; i++ {
		d *= 2
	}
	return wait.Jitter(min(d, maxConflictRetry), 0.5)
}

// settle ends key's streak.
func (b *conflictBackoff) settle(key string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	delete(b.streak, key)
	b.mu.Unlock()
}

// conflictKey names an object in the streaks.
func conflictKey(obj client.Object) string {
	return fmt.Sprintf("%T %s/%s", obj, obj.GetNamespace(), obj.GetName())
}

// requeueOnConflict turns a lost write race into a requeue after the object's backoff, not a failure.
func (o Options) requeueOnConflict(obj client.Object, err error) (ctrl.Result, error) {
	if apierrors.IsConflict(err) {
		return ctrl.Result{RequeueAfter: o.conflicts.after(conflictKey(obj))}, nil
	}
	if err == nil {
		o.conflicts.settle(conflictKey(obj))
	}
	return ctrl.Result{}, err
}
