package main

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// writeImage writes a docker save archive of about sizeMB MiB: four layers, the first with
// os-release and a dpkg status database of pkgs packages, the others with filler files and a
// lockfile each. Layers are written to temporary files first (their digests go in the
// manifest), so memory stays small whatever the size.
func writeImage(name string, sizeMB, pkgs int) error {
	const layers = 4
	per := int64(sizeMB) << 20 / layers
	var diffIDs, members []string
	tmp, err := os.MkdirTemp("", "gencorpus-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	for i := 0; i < layers; i++ {
		p := fmt.Sprintf("%s/layer%d.tar", tmp, i)
		d, err := writeLayer(p, i, per, pkgs)
		if err != nil {
			return err
		}
		diffIDs = append(diffIDs, d)
		members = append(members, p)
	}
	cfg, _ := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux", "rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}})
	sum := sha256.Sum256(cfg)
	cfgName := hex.EncodeToString(sum[:]) + ".json"
	var layerNames []string
	for i := range members {
		layerNames = append(layerNames, fmt.Sprintf("layer%d/layer.tar", i))
	}
	manifest, _ := json.Marshal([]map[string]any{{"Config": cfgName, "RepoTags": []string{"bench/image:latest"}, "Layers": layerNames}})

	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	for i, m := range members {
		lf, err := os.Open(m)
		if err != nil {
			return err
		}
		st, _ := lf.Stat()
		if err := tw.WriteHeader(&tar.Header{Name: layerNames[i], Mode: 0o644, Size: st.Size(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		if _, err := io.Copy(tw, lf); err != nil {
			return err
		}
		lf.Close()
	}
	for n, b := range map[string][]byte{cfgName: cfg, "manifest.json": manifest} {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		tw.Write(b)
	}
	return tw.Close()
}

func writeLayer(name string, i int, size int64, pkgs int) (string, error) {
	f, err := os.Create(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(f, h))
	add := func(p string, body []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: p, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(body)
		return err
	}
	if i == 0 {
		add("etc/os-release", []byte("ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"))
		var b strings.Builder
		for j := 0; j < pkgs*25; j++ {
			fmt.Fprintf(&b, "Package: pkg%d\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.%d-%d\nDescription: generated\n\n", j, j, i)
		}
		add("var/lib/dpkg/status", []byte(b.String()))
	} else {
		add(fmt.Sprintf("app%d/requirements.txt", i), []byte(requirementsFixed(pkgs)))
	}
	filler := make([]byte, 1<<20)
	for j := range filler {
		filler[j] = byte(j * 7)
	}
	var written int64
	for j := 0; written < size; j++ {
		if err := add(fmt.Sprintf("usr/share/filler%d/f%05d.bin", i, j), filler); err != nil {
			return "", err
		}
		written += int64(len(filler))
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func requirementsFixed(n int) string {
	var b strings.Builder
	for j := 0; j < n; j++ {
		fmt.Fprintf(&b, "package-%d==1.%d.0\n", j, j)
	}
	return b.String()
}
