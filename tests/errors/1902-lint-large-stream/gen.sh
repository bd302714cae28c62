#!/bin/sh
# a 20 MiB stream (20 Namespaces, each after 1 MiB of comments) is read: the 16 MiB
# limit is per document in what lint reads
i=0
while [ $i -lt 20 ]; do
  head -c 1048576 /dev/zero | tr '\0' '#'
  printf '\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-%d\n---\n' $i
  i=$((i + 1))
done > in.yaml
