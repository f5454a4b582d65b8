package access

import "time"

// SetClock makes a read the time from now (tests simulate time passing with it).
func SetClock(a *Access, now func() time.Time) { a.now = now }
