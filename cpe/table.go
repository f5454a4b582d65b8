package cpe

// row is one curated mapping from a package to an NVD vendor and product. Each was checked
// against the naming NVD uses in its official CPE dictionary (https://nvd.nist.gov/products/cpe)
// and in the configurations of the CVE given in the comment. A package name may have several
// rows when NVD names the same product two ways (a vendor renamed after an acquisition).
type row struct {
	typ, name       string // purl type and ecosystem name (see languageKey; source package for OS types)
	vendor, product string
	targetSw        string // "" for ANY
}

type tableKey struct{ typ, name string }

// rows is the curated table. Add a row only when NVD's vendor and product for exactly this
// package are certain and its versions are the package's versions; a false CPE gives false
// positives in every NVD match.
var rows = []row{
	// npm. NVD marks npm packages with target_sw node.js where it does so consistently.
	{"npm", "lodash", "lodash", "lodash", "node.js"},                                       // CVE-2021-23337
	{"npm", "express", "expressjs", "express", "node.js"},                                  // CVE-2024-29041
	{"npm", "minimist", "minimist_project", "minimist", "node.js"},                         // CVE-2021-44906
	{"npm", "axios", "axios", "axios", "node.js"},                                          // CVE-2023-45857
	{"npm", "moment", "momentjs", "moment", "node.js"},                                     // CVE-2022-24785
	{"npm", "handlebars", "handlebarsjs", "handlebars", "node.js"},                         // CVE-2021-23369
	{"npm", "node-fetch", "node-fetch_project", "node-fetch", "node.js"},                   // CVE-2022-0235
	{"npm", "qs", "qs_project", "qs", "node.js"},                                           // CVE-2022-24999
	{"npm", "underscore", "underscorejs", "underscore", "node.js"},                         // CVE-2021-23358
	{"npm", "follow-redirects", "follow-redirects_project", "follow-redirects", "node.js"}, // CVE-2022-0155
	{"npm", "jsonwebtoken", "auth0", "jsonwebtoken", "node.js"},                            // CVE-2022-23529
	{"npm", "ejs", "ejs", "ejs", "node.js"},                                                // CVE-2022-29078
	{"npm", "jquery", "jquery", "jquery", ""},                                              // CVE-2020-11022
	{"npm", "bootstrap", "getbootstrap", "bootstrap", ""},                                  // CVE-2019-8331

	// PyPI, by PEP 503 normalised name.
	{"pypi", "django", "djangoproject", "django", ""},                    // CVE-2023-36053
	{"pypi", "flask", "palletsprojects", "flask", ""},                    // CVE-2023-30861
	{"pypi", "jinja2", "palletsprojects", "jinja", ""},                   // CVE-2024-22195
	{"pypi", "werkzeug", "palletsprojects", "werkzeug", ""},              // CVE-2023-25577
	{"pypi", "requests", "python", "requests", ""},                       // CVE-2023-32681
	{"pypi", "urllib3", "python", "urllib3", ""},                         // CVE-2023-43804
	{"pypi", "pillow", "python", "pillow", ""},                           // CVE-2023-50447
	{"pypi", "pyyaml", "pyyaml", "pyyaml", ""},                           // CVE-2020-14343
	{"pypi", "cryptography", "cryptography_project", "cryptography", ""}, // CVE-2023-49083
	{"pypi", "setuptools", "python", "setuptools", ""},                   // CVE-2022-40897
	{"pypi", "pip", "pypa", "pip", ""},                                   // CVE-2023-5752
	{"pypi", "tornado", "tornadoweb", "tornado", ""},                     // CVE-2023-28370

	// Maven, by groupId:artifactId. Only the artifact that carries the product's code: Log4Shell
	// is in log4j-core, so log4j-api gets no CPE.
	{"maven", "org.apache.logging.log4j:log4j-core", "apache", "log4j", ""},                  // CVE-2021-44228
	{"maven", "log4j:log4j", "apache", "log4j", ""},                                          // CVE-2021-4104 (1.2)
	{"maven", "org.springframework:spring-core", "vmware", "spring_framework", ""},           // CVE-2022-22965
	{"maven", "org.springframework:spring-core", "pivotal_software", "spring_framework", ""}, // CVE-2018-1270
	{"maven", "org.springframework:spring-beans", "vmware", "spring_framework", ""},
	{"maven", "org.springframework:spring-beans", "pivotal_software", "spring_framework", ""},
	{"maven", "org.springframework:spring-webmvc", "vmware", "spring_framework", ""},
	{"maven", "org.springframework:spring-webmvc", "pivotal_software", "spring_framework", ""},
	{"maven", "com.fasterxml.jackson.core:jackson-databind", "fasterxml", "jackson-databind", ""}, // CVE-2020-36518
	{"maven", "org.apache.commons:commons-text", "apache", "commons_text", ""},                    // CVE-2022-42889
	{"maven", "org.yaml:snakeyaml", "snakeyaml_project", "snakeyaml", ""},                         // CVE-2022-1471
	{"maven", "org.apache.tomcat.embed:tomcat-embed-core", "apache", "tomcat", ""},                // CVE-2020-1938
	{"maven", "org.apache.struts:struts2-core", "apache", "struts", ""},                           // CVE-2017-5638
	{"maven", "ch.qos.logback:logback-classic", "qos", "logback", ""},                             // CVE-2023-6378
	{"maven", "ch.qos.logback:logback-core", "qos", "logback", ""},                                // CVE-2023-6481
	{"maven", "com.google.guava:guava", "google", "guava", ""},                                    // CVE-2023-2976
	{"maven", "com.h2database:h2", "h2database", "h2", ""},                                        // CVE-2021-42392

	// RubyGems.
	{"gem", "rails", "rubyonrails", "rails", ""},    // CVE-2020-8163
	{"gem", "nokogiri", "nokogiri", "nokogiri", ""}, // CVE-2022-24836
	{"gem", "rack", "rack_project", "rack", ""},     // CVE-2022-30123

	// Go modules, by module path (the standard library is a rule of its own).
	{"golang", "github.com/gin-gonic/gin", "gin-gonic", "gin", ""},                      // CVE-2023-29401
	{"golang", "github.com/opencontainers/runc", "linuxfoundation", "runc", ""},         // CVE-2024-21626
	{"golang", "github.com/containerd/containerd", "linuxfoundation", "containerd", ""}, // CVE-2022-23648
	{"golang", "github.com/containerd/containerd/v2", "linuxfoundation", "containerd", ""},

	// NuGet, by lower-cased package ID.
	{"nuget", "newtonsoft.json", "newtonsoft", "json.net", ""}, // CVE-2024-21907

	// Distribution packages, by source package name (Debian Source, rpm SOURCERPM name,
	// Alpine origin), which differs between distributions for some products.
	{"deb", "openssl", "openssl", "openssl", ""}, // CVE-2022-3602
	{"rpm", "openssl", "openssl", "openssl", ""},
	{"apk", "openssl", "openssl", "openssl", ""},
	{"deb", "curl", "haxx", "curl", ""}, // CVE-2023-38545
	{"rpm", "curl", "haxx", "curl", ""},
	{"apk", "curl", "haxx", "curl", ""},
	{"deb", "nginx", "f5", "nginx", ""},    // CVE-2021-23017; NVD's vendor since F5 acquired NGINX
	{"deb", "nginx", "nginx", "nginx", ""}, // CVE-2013-2028; the vendor of older entries
	{"rpm", "nginx", "f5", "nginx", ""},
	{"rpm", "nginx", "nginx", "nginx", ""},
	{"apk", "nginx", "f5", "nginx", ""},
	{"apk", "nginx", "nginx", "nginx", ""},
	{"deb", "glibc", "gnu", "glibc", ""}, // CVE-2023-4911
	{"rpm", "glibc", "gnu", "glibc", ""},
	{"deb", "musl", "musl-libc", "musl", ""}, // CVE-2020-28928
	{"apk", "musl", "musl-libc", "musl", ""},
	{"deb", "zlib", "zlib", "zlib", ""}, // CVE-2022-37434
	{"rpm", "zlib", "zlib", "zlib", ""},
	{"apk", "zlib", "zlib", "zlib", ""},
	{"deb", "openssh", "openbsd", "openssh", ""}, // CVE-2024-6387
	{"rpm", "openssh", "openbsd", "openssh", ""},
	{"apk", "openssh", "openbsd", "openssh", ""},
	{"deb", "sudo", "sudo_project", "sudo", ""}, // CVE-2021-3156
	{"rpm", "sudo", "sudo_project", "sudo", ""},
	{"apk", "sudo", "sudo_project", "sudo", ""},
	{"deb", "sqlite3", "sqlite", "sqlite", ""}, // CVE-2022-35737
	{"rpm", "sqlite", "sqlite", "sqlite", ""},
	{"apk", "sqlite", "sqlite", "sqlite", ""},
	{"deb", "expat", "libexpat_project", "libexpat", ""}, // CVE-2022-40674
	{"rpm", "expat", "libexpat_project", "libexpat", ""},
	{"apk", "expat", "libexpat_project", "libexpat", ""},
	{"deb", "libxml2", "xmlsoft", "libxml2", ""}, // CVE-2022-40303
	{"rpm", "libxml2", "xmlsoft", "libxml2", ""},
	{"apk", "libxml2", "xmlsoft", "libxml2", ""},
	{"deb", "git", "git-scm", "git", ""}, // CVE-2022-24765
	{"rpm", "git", "git-scm", "git", ""},
	{"apk", "git", "git-scm", "git", ""},
	{"deb", "xz-utils", "tukaani", "xz", ""}, // CVE-2024-3094
	{"rpm", "xz", "tukaani", "xz", ""},
	{"apk", "xz", "tukaani", "xz", ""},
	{"deb", "busybox", "busybox", "busybox", ""}, // CVE-2022-48174
	{"apk", "busybox", "busybox", "busybox", ""},
	{"deb", "apache2", "apache", "http_server", ""}, // CVE-2021-41773
	{"rpm", "httpd", "apache", "http_server", ""},
	{"apk", "apache2", "apache", "http_server", ""},
	{"deb", "libpng1.6", "libpng", "libpng", ""}, // CVE-2019-7317
	{"rpm", "libpng", "libpng", "libpng", ""},
	{"apk", "libpng", "libpng", "libpng", ""},
	{"deb", "tar", "gnu", "tar", ""}, // CVE-2022-48303
	{"rpm", "tar", "gnu", "tar", ""},
	{"apk", "tar", "gnu", "tar", ""},
}

// table indexes rows by purl type and name; tableTypes lists the purl types it has.
var table, tableTypes = func() (map[tableKey][]row, map[string]bool) {
	t := make(map[tableKey][]row, len(rows))
	types := map[string]bool{}
	for _, r := range rows {
		k := tableKey{r.typ, r.name}
		t[k] = append(t[k], r)
		types[r.typ] = true
	}
	return t, types
}()
