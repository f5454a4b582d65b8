package lookup

// KeyFormat numbers the version keys that For's schemes give: databases record the format
// their stored keys were written in (vulndb's advisory ranges and listed versions, the
// portfolio's components), and a database whose recorded format differs from KeyFormat has
// its keys re-derived when it is opened, because range scans over keys of two formats can
// silently miss.
//
// Bump KeyFormat (by one, with a line in the history below) in the same change as anything
// that changes a stored key or which versions have one: a scheme's Key or Parse returning
// another key or error for some version, For mapping an ecosystem to another scheme, or the
// index rows vulndb.Rows derives from an advisory. A change that keeps every key of every
// version the same needs no bump.
//
// History:
//
//  1. The first recorded format: Maven orders ".X1" as Maven 3.8.6 does and drops empty
//     sub-lists, Alpine ranks an empty number after a dot below the end, and Pub, Go,
//     RubyGems and Alpine parse versions their reference implementations reject
//     (docs/versions.md). Databases without a record hold keys of earlier builds.
const KeyFormat = 1
