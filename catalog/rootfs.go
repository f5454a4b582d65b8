package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// maxSymlinks bounds symbolic links followed while resolving one name, as Linux's ELOOP does.
const maxSymlinks = 40

// RootFS returns a read-only file system of the directory dir that resolves symbolic links as
// if dir were the root of the file system (as chroot would): an absolute link target starts
// again at dir, and ".." never leaves it. Scanning a root filesystem or an extracted image
// through it never reads the scanning host's files, whatever the links say.
func RootFS(dir string) (fs.FS, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &rootFS{root: r}, nil
}

type rootFS struct {
	root *os.Root
}

var (
	_ fs.FS     = (*rootFS)(nil)
	_ fs.StatFS = (*rootFS)(nil)
)

// Open opens name after resolving every symbolic link in it within the root.
func (r *rootFS) Open(name string) (fs.File, error) {
	real, err := r.resolve(name)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return r.root.Open(real)
}

// Stat returns the FileInfo of name after resolving symbolic links within the root.
func (r *rootFS) Stat(name string) (fs.FileInfo, error) {
	real, err := r.resolve(name)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return r.root.Stat(real)
}

// resolve maps name to a path inside the root with no symbolic links left, following links
// component by component.
func (r *rootFS) resolve(name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", fs.ErrInvalid
	}
	var done []string // resolved components, no links
	todo := strings.Split(name, "/")
	if name == "." {
		return ".", nil
	}
	links := 0
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(done) > 0 {
				done = done[:len(done)-1]
			}
			continue
		}
		cur := path.Join(append(done, c)...)
		fi, err := r.root.Lstat(cur)
		if err != nil {
			if len(todo) == 0 && errors.Is(err, fs.ErrNotExist) {
				return "", fs.ErrNotExist
			}
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = append(done, c)
			continue
		}
		links++
		if links > maxSymlinks {
			return "", fmt.Errorf("too many levels of symbolic links")
		}
		target, err := r.root.Readlink(cur)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			done = done[:0]
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	if len(done) == 0 {
		return ".", nil
	}
	return path.Join(done...), nil
}

var _ fs.ReadLinkFS = (*rootFS)(nil)

// Lstat returns the FileInfo of name without following a link in its last element; links in
// the directories above it are resolved within the root.
func (r *rootFS) Lstat(name string) (fs.FileInfo, error) {
	dir, base, err := r.resolveParent(name)
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	return r.root.Lstat(path.Join(dir, base))
}

// ReadLink returns the target of the link name, as written in the link.
func (r *rootFS) ReadLink(name string) (string, error) {
	dir, base, err := r.resolveParent(name)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	return r.root.Readlink(path.Join(dir, base))
}

// resolveParent resolves the directory part of name within the root and returns it with the
// last element.
func (r *rootFS) resolveParent(name string) (dir, base string, err error) {
	if !fs.ValidPath(name) || name == "." {
		return "", "", fs.ErrInvalid
	}
	d, b := path.Split(name)
	dir = "."
	if d != "" {
		if dir, err = r.resolve(strings.TrimSuffix(d, "/")); err != nil {
			return "", "", err
		}
	}
	return dir, b, nil
}

// openRegular opens the regular file name (slash-separated, relative to root) for a cataloger.
// Through a RootFS it opens inside the root, so a directory swapped for a link after the walk
// saw it cannot lead outside; non-blocking, so a file swapped for a FIFO cannot hang the scan;
// and it fails unless the file is regular.
func openRegular(fsys fs.FS, root, name string) (*os.File, error) {
	var f *os.File
	var err error
	if r, ok := fsys.(*rootFS); ok {
		f, err = r.root.OpenFile(name, os.O_RDONLY|nonblock, 0)
	} else {
		f, err = os.OpenFile(filepath.Join(root, filepath.FromSlash(name)), os.O_RDONLY|nonblock, 0)
	}
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("not a regular file")}
	}
	return f, nil
}
