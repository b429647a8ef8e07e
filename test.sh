#!/usr/bin/env bash
# Runs every test project (real models from ../shared/models, real images from ../shared/data).
set -euo pipefail
cd "$(dirname "$0")"
dotnet build FaceVector.sln -c Release -nologo -clp:ErrorsOnly
dotnet test FaceVector.sln -c Release --no-build -nologo --logger "console;verbosity=minimal" "$@"
