package worker

import "sync"

// FilesParallel is how many files of one job a worker handles at once. Small
// files are bound by the ledger's durable writes, not bandwidth, and those
// overlap well; large files still share the link fairly.
const FilesParallel = 4

// Each calls fn for every index below n, at most limit at a time, and
// returns when all calls have.
func Each(n, limit int, fn func(i int)) {
	sem := make(chan struct{}, max(limit, 1))
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}
