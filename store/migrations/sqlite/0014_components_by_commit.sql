-- Source checkouts by commit: a re-evaluation finds the components whose commit a GIT range of
-- an advisory names (package portfolio, scanCommits), as a range scan finds versions.
CREATE INDEX components_commit ON components (vcs_revision) WHERE vcs_revision <> '';
