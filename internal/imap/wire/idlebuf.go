package wire

import (
	"bufio"
	"sync"
)

// Buffer sizes of a connection while it is busy.
const (
	readBufferSize  = 16 << 10
	writeBufferSize = 32 << 10
	// idleWriteBufferSize is the write buffer kept while released: enough
	// for an untagged "* 123 EXISTS" without a second write.
	idleWriteBufferSize = 64
)

// BufferPool lends read and write buffers to connections between
// commands. A connection waiting for its client (most of them, most of the
// time: IDLE) needs no buffer at all; with the buffers back in the pool
// 10,000 idle connections hold a few dozen instead of 10,000 x 48 KiB.
// It is safe for concurrent use.
type BufferPool struct {
	readers sync.Pool // *bufio.Reader of readBufferSize
	writers sync.Pool // *bufio.Writer of writeBufferSize
}

// NewBufferPool returns an empty pool.
func NewBufferPool() *BufferPool {
	return &BufferPool{
		readers: sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }},
		writers: sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeBufferSize) }},
	}
}

// Release gives d's read buffer back to pool, if nothing is buffered in it
// (else it does nothing and returns false). Until Acquire, d must not be
// used: the caller waits for the connection to become readable (without
// reading) in between.
func (d *Decoder) Release(pool *BufferPool) bool {
	if d.r == nil || d.r.Buffered() > 0 {
		return false
	}
	d.r.Reset(nil)
	pool.readers.Put(d.r)
	d.r = nil
	return true
}

// Acquire gives d a read buffer again after Release.
func (d *Decoder) Acquire(pool *BufferPool) {
	if d.r != nil {
		return
	}
	r := pool.readers.Get().(*bufio.Reader)
	r.Reset(d.src)
	d.r = r
}

// Released reports whether d is between Release and Acquire.
func (d *Decoder) Released() bool { return d.r == nil }

// Release gives e's write buffer back to pool, if nothing is waiting in
// it (else it does nothing and returns false), and keeps a small one, so
// that a short untagged response written while released still works.
func (e *Encoder) Release(pool *BufferPool) bool {
	if e.w.Buffered() > 0 || e.w.Size() != writeBufferSize {
		return false
	}
	e.w.Reset(nil)
	pool.writers.Put(e.w)
	e.w = bufio.NewWriterSize(e.dst, idleWriteBufferSize)
	return true
}

// Acquire gives e a full write buffer again after Release, flushing
// what the small one holds first.
func (e *Encoder) Acquire(pool *BufferPool) {
	if e.w.Size() == writeBufferSize {
		return
	}
	e.Flush()
	w := pool.writers.Get().(*bufio.Writer)
	w.Reset(e.dst)
	e.w = w
}
