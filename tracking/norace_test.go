//go:build !race

package tracking

// raceEnabled is true under the race detector, which makes sync.Pool drop
// items at random and so adds allocations.
const raceEnabled = false
