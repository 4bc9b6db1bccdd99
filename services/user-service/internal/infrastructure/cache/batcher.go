package cache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// getBatcher coalesces concurrent GETs into one MGET per round trip
// (auto-pipelining, as rueidis does): each worker takes every request queued
// while its previous round trip was in flight. Idle, a request goes out alone
// with no added delay; under load, N concurrent reads cost about N/batch
// round trips instead of N.
type getBatcher struct {
	rdb      redis.UniversalClient
	reqs     chan getReq
	maxBatch int
	timeout  time.Duration
	stop     chan struct{}
	wg       sync.WaitGroup
	stopOnce sync.Once
}

type getReq struct {
	key  string
	resp chan getResp
}

type getResp struct {
	val []byte
	err error
}

var errBatcherClosed = errors.New("cache batcher closed")

func newGetBatcher(rdb redis.UniversalClient, workers, maxBatch int, timeout time.Duration) *getBatcher {
	b := &getBatcher{
		rdb: rdb, reqs: make(chan getReq, workers*maxBatch), maxBatch: maxBatch,
		timeout: timeout, stop: make(chan struct{}),
	}
	for range workers {
		b.wg.Go(b.loop)
	}
	return b
}

// Get returns the value of key, redis.Nil when it is absent.
func (b *getBatcher) Get(ctx context.Context, key string) ([]byte, error) {
	r := getReq{key: key, resp: make(chan getResp, 1)}
	select {
	case b.reqs <- r:
	case <-ctx.Done():
		return nil, fmt.Errorf("cache get: %w", ctx.Err())
	case <-b.stop:
		return nil, errBatcherClosed
	}
	select {
	case res := <-r.resp:
		return res.val, res.err
	case <-ctx.Done():
		return nil, fmt.Errorf("cache get: %w", ctx.Err())
	}
}

// Close stops the workers; pending requests fail.
func (b *getBatcher) Close() {
	b.stopOnce.Do(func() { close(b.stop) })
	b.wg.Wait()
}

func (b *getBatcher) loop() {
	batch := make([]getReq, 0, b.maxBatch)
	for {
		select {
		case <-b.stop:
			return
		case r := <-b.reqs:
			batch = append(batch[:0], r)
		collect:
			for len(batch) < b.maxBatch {
				select {
				case r := <-b.reqs:
					batch = append(batch, r)
				default:
					break collect
				}
			}
			b.flush(batch)
		}
	}
}

func (b *getBatcher) flush(batch []getReq) {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	if len(batch) == 1 {
		val, err := b.rdb.Get(ctx, batch[0].key).Bytes()
		batch[0].resp <- getResp{val: val, err: err}
		return
	}
	keys := make([]string, len(batch))
	for i, r := range batch {
		keys[i] = r.key
	}
	vals, err := b.rdb.MGet(ctx, keys...).Result()
	for i, r := range batch {
		switch {
		case err != nil:
			r.resp <- getResp{err: err}
		case i >= len(vals) || vals[i] == nil:
			r.resp <- getResp{err: redis.Nil}
		default:
			s, _ := vals[i].(string)
			r.resp <- getResp{val: []byte(s)}
		}
	}
}
