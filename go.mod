module github.com/flagkit/flagkit

go 1.25.0

require (
	github.com/stretchr/testify v1.12.1
	github.com/twmb/murmur3 v1.1.8
	go.uber.org/goleak v1.3.0
	go.yaml.in/yaml/v3 v3.0.6
)
