#!/bin/sh
# lint reads streams over 16 MiB, but no document of one over 16 MiB: the second
# document (17 MiB of comments) is refused at its '---' line
{ printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n'
  head -c 17825792 /dev/zero | tr '\0' '#'; printf '\n'; } > in.yaml
