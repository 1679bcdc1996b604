# Build the Windows installer: the bundle (PyInstaller, from the lock file), its self-test, then Inno Setup.
#
#   powershell -ExecutionPolicy Bypass -File installer\build-installer.ps1
#
# Needs: 64-bit Python 3.11 from python.org (the `py` launcher), Inno Setup 6.3 or newer.  Result:
# dist\xinfang-desk-<version>-setup.exe.  The same steps for Linux are in scripts/build-bundle.sh.
$ErrorActionPreference = "Stop"
$Repo = Split-Path -Parent $PSScriptRoot
Set-Location $Repo
$Venv = Join-Path $Repo ".venv-bundle"
$Python = Join-Path $Venv "Scripts\python.exe"
$env:PIP_DISABLE_PIP_VERSION_CHECK = "1"

function Step($Text) { Write-Host "== build-installer: $Text" }
function Check($What) { if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)" } }

if (-not (Test-Path $Python)) {
    Step "creating $Venv"
    py -3.11 -m venv $Venv; Check "py -3.11 -m venv"
}
Step "installing the locked libraries (requirements\bundle.txt)"
& $Python -m pip install -q --require-hashes -r requirements\bundle.txt; Check "pip install"
Step "installing xinfang-desk"
& $Python -m pip install -q --no-deps --no-build-isolation --force-reinstall .; Check "pip install ."
$Version = & $Python -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])"
Check "reading the version"

Step "pyinstaller build.spec"
& (Join-Path $Venv "Scripts\pyinstaller.exe") --noconfirm --clean --log-level WARN build.spec; Check "pyinstaller"

Step "self-test of the bundle"
$env:QT_QPA_PLATFORM = "offscreen"
& dist\xinfang-desk\xinfang-desk.exe --self-test; Check "the self-test"
Remove-Item Env:QT_QPA_PLATFORM

$Iscc = @(
    (Get-Command ISCC.exe -ErrorAction SilentlyContinue).Source,
    "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe",
    "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
    "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe"
) | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
if (-not $Iscc) { throw "Inno Setup 6 (ISCC.exe) not found: install it, or put ISCC.exe on the PATH" }
Step "Inno Setup $Version ($Iscc)"
& $Iscc "/DAppVersion=$Version" installer\xinfang-desk.iss; Check "ISCC"
Step "done: dist\xinfang-desk-$Version-setup.exe"
