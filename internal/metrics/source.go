package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Source is a route's local source directory, watched for free space.
type Source struct {
	Route string
	Path  string
}

// sourceCollector reports the file system under each local source at
// scrape time: the crawl stops when it fills, and a site without
// node_exporter must still see that coming.
type sourceCollector struct {
	sources []Source
	free    *prometheus.Desc
	size    *prometheus.Desc
}

// WatchSources exports ferry_source_free_bytes and ferry_source_size_bytes
// for the given local sources. A source that cannot be read (not mounted
// yet) has no series until it can.
func (m *Metrics) WatchSources(sources []Source) {
	if len(sources) == 0 {
		return
	}
	m.Registry.MustRegister(&sourceCollector{
		sources: sources,
		free: prometheus.NewDesc("ferry_source_free_bytes",
			"Bytes available to unprivileged writers on the file system of the route's local source.", []string{"route"}, nil),
		size: prometheus.NewDesc("ferry_source_size_bytes",
			"Size in bytes of the file system of the route's local source.", []string{"route"}, nil),
	})
}

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.free
	ch <- c.size
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.sources {
		free, size, err := fsSpace(s.Path)
		if err != nil {
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.free, prometheus.GaugeValue, float64(free), s.Route)
		ch <- prometheus.MustNewConstMetric(c.size, prometheus.GaugeValue, float64(size), s.Route)
	}
}
