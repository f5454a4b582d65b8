package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Worker is background work that runs until its context ends (webhook delivery, advisory
// sync).
type Worker struct {
	Name string
	Run  func(ctx context.Context) error
}

// ServeOptions configure Serve.
type ServeOptions struct {
	// Drain bounds how long in-flight requests may take to finish after ctx ends; 0 means 30 s.
	Drain time.Duration
	// Logger receives start, stop and worker errors; nil discards them.
	Logger *slog.Logger
}

// Serve serves h on ln and runs the workers until ctx ends; then it stops accepting
// connections, waits for in-flight requests to finish (at most opts.Drain), stops the workers
// and waits for them. A worker's error is logged and does not stop the server.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, opts ServeOptions, workers ...Worker) error {
	if opts.Drain == 0 {
		opts.Drain = 30 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		// Requests keep their own contexts through shutdown: draining means letting them
		// finish, not cancelling them.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	wctx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWorkers()
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := w.Run(wctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("worker stopped", "worker", w.Name, "error", err)
			}
		}()
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("serving", "address", ln.Addr().String())

	var err error
	select {
	case err = <-served:
		// The listener failed: stop the rest.
	case <-ctx.Done():
		log.Info("shutting down: draining requests", "drain", opts.Drain)
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.Drain)
		err = srv.Shutdown(sctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("requests still running after %v: %w", opts.Drain, err)
			srv.Close()
		}
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
			err = serr
		}
	}
	stopWorkers()
	wg.Wait()
	log.Info("stopped")
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
