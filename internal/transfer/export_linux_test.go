package transfer

// Handles on internals for package transfer_test.

// SetTryLease turns the read lease off (the /proc scan then guards) until
// the returned func runs.
func SetTryLease(on bool) (restore func()) {
	old := tryLease
	tryLease = on
	return func() { tryLease = old }
}

// SetTestHookQuarantined runs f between a Remove's rename and its unlink.
func SetTestHookQuarantined(f func()) {
	testHookQuarantined = f
}

// HookSyncFilesystem calls seen with each directory whose filesystem is
// synced, until the returned func runs.
func HookSyncFilesystem(seen func(dir string)) (restore func()) {
	old := syncFilesystem
	syncFilesystem = func(dir string) error {
		seen(dir)
		return old(dir)
	}
	return func() { syncFilesystem = old }
}

// SetTestHookOpened runs f between a Remove's open and its fstat.
func SetTestHookOpened(f func()) {
	testHookOpened = f
}
