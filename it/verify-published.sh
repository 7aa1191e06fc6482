#!/usr/bin/env bash
# What a user gets from this build, checked from the outside (issue 11):
#  1. `./mvnw -B -DskipTests -Prelease -Dgpg.skip install` installs async-bom, async-core,
#     async-hazelcast and async-spring-boot-starter, and nothing else (the io.atom.async group is emptied first), each POM
#     standing alone with Maven Central's required metadata, each jar with sources and javadoc jars; the
#     javadoc fails the build on any warning from our sources;
#  2. a Spring Boot project outside this build (it/consumer) that imports the BOM and depends on the
#     starter without a version builds, starts and runs a worker.
# Run from anywhere: it/verify-published.sh (about a minute on 2 cores). .ci/run runs it after the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

repo=${ATOM_LOCAL_REPOSITORY:-$HOME/.m2/repository}
version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)

echo "== emptying $repo/io/atom/async, then installing $version with the release profile (signing skipped)"
rm -rf "$repo/io/atom/async"
./mvnw -B -q -Dmaven.repo.local="$repo" -DskipTests -Prelease -Dgpg.skip install

echo "== a project outside the build: imports async-bom $version, depends on the starter without a version"
./mvnw -B -f it/consumer/pom.xml -Dmaven.repo.local="$repo" -Datom-async.version="$version" \
  -Datom-async.repository="$repo" verify
