#!/usr/bin/env bash
# Runs every test project (real models from ../shared/models, real images from ../shared/data).
set -euo pipefail
cd "$(dirname "$0")"
# The .NET SDK, the shared models and images, chromium and docker-compose: installed when missing (apt-get as root
# or with password-less sudo), else a clear stop with the command to run.
tools/test-prerequisites.sh
dotnet build FaceVector.sln -c Release -nologo -clp:ErrorsOnly
# One test project at a time: the suites run real models on every core, and timing checks (deadlines, kills) need them.
dotnet test FaceVector.sln -c Release --no-build -nologo -m:1 --logger "console;verbosity=minimal" "$@"
