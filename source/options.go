package source

import "time"

// DefaultMaxSize is the size limit for a document when [MaxSize] is not
// given: 8 MiB, the same as the client's.
const DefaultMaxSize = 8 << 20

// A FileOption configures [File].
type FileOption interface{ applyFile(*fileConfig) }

// An HTTPOption configures [HTTP].
type HTTPOption interface{ applyHTTP(*httpConfig) }

// An Option configures every polling source: both [File] and [HTTP].
type Option interface {
	FileOption
	HTTPOption
}

// pollConfig holds the settings shared by the polling sources.
type pollConfig struct {
	interval time.Duration // 0: the source's default
	maxSize  int64         // 0: DefaultMaxSize
}

type pollOption func(*pollConfig)

func (o pollOption) applyFile(c *fileConfig) { o(&c.poll) }
func (o pollOption) applyHTTP(c *httpConfig) { o(&c.poll) }

// Interval sets how often a source looks for a change. The defaults are
// documented on [File] and [HTTP]. A value of zero or less keeps the default.
func Interval(d time.Duration) Option {
	return pollOption(func(c *pollConfig) {
		if d > 0 {
			c.interval = d
		}
	})
}

// MaxSize sets the largest document a source accepts, in bytes; a larger
// document is reported as an error and not delivered. The default is
// [DefaultMaxSize]. A value of zero or less keeps the default.
func MaxSize(n int64) Option {
	return pollOption(func(c *pollConfig) {
		if n > 0 {
			c.maxSize = n
		}
	})
}

func (c *pollConfig) limit() int64 {
	if c.maxSize > 0 {
		return c.maxSize
	}
	return DefaultMaxSize
}
