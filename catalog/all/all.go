// Package all lists every cataloger and the image reader, so that commands need one import to
// offer a target to all of them.
package all

import (
	"github.com/hallmark-dev/hallmark/catalog"
	"github.com/hallmark-dev/hallmark/catalog/apk"
	"github.com/hallmark-dev/hallmark/catalog/cargo"
	"github.com/hallmark-dev/hallmark/catalog/dart"
	"github.com/hallmark-dev/hallmark/catalog/dpkg"
	"github.com/hallmark-dev/hallmark/catalog/golang"
	"github.com/hallmark-dev/hallmark/catalog/hex"
	"github.com/hallmark-dev/hallmark/catalog/image"
	"github.com/hallmark-dev/hallmark/catalog/maven"
	"github.com/hallmark-dev/hallmark/catalog/npm"
	"github.com/hallmark-dev/hallmark/catalog/nuget"
	"github.com/hallmark-dev/hallmark/catalog/osrelease"
	"github.com/hallmark-dev/hallmark/catalog/php"
	"github.com/hallmark-dev/hallmark/catalog/python"
	"github.com/hallmark-dev/hallmark/catalog/rpm"
	"github.com/hallmark-dev/hallmark/catalog/ruby"
	"github.com/hallmark-dev/hallmark/source"
)

// Catalogers returns a new list of every cataloger, in a fixed order.
func Catalogers() []catalog.Cataloger {
	var cs []catalog.Cataloger
	for _, f := range []func() []catalog.Cataloger{
		osrelease.Catalogers, dpkg.Catalogers, apk.Catalogers, rpm.Catalogers,
		golang.Catalogers, npm.Catalogers, python.Catalogers, cargo.Catalogers,
		maven.Catalogers, ruby.Catalogers, php.Catalogers, nuget.Catalogers,
		dart.Catalogers, hex.Catalogers,
	} {
		cs = append(cs, f()...)
	}
	return cs
}

// Images returns the container image reader.
func Images() source.ImageReader { return image.Reader{} }
