package transfer

import (
	"io"
	"sync"
)

// copyBufferSize is io.Copy's own buffer size.
const copyBufferSize = 32 << 10

// copyBuffers lend the buffer of every copy that passes through ferry's own
// readers. io.Copy allocates one per call, so a backlog of small files cost
// 32 KiB of garbage per file per pass (upload, read-back, source hash): a
// third of all allocation, and most of the collector's work.
var copyBuffers = sync.Pool{New: func() any { return new([copyBufferSize]byte) }}

// copyPooled is io.Copy through a pooled buffer. It hides src's WriteTo and
// dst's ReadFrom, which would bring their own buffers (and may be ours).
func copyPooled(dst io.Writer, src io.Reader) (int64, error) {
	buf := copyBuffers.Get().(*[copyBufferSize]byte)
	defer copyBuffers.Put(buf)
	return io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, buf[:])
}
