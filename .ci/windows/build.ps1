# Windows build of Sổ Tổ CNSCĐ (run in PowerShell from the program's folder, Python 3.11+ installed):
#   powershell -ExecutionPolicy Bypass -File .ci\windows\build.ps1
# Makes dist\cnscd\cnscd.exe (one folder) and dist\cnscd-<version>-win_amd64.zip.
# Offline: first copy a wheelhouse made by .ci/wheelhouse onto the PC and set $env:CNSCD_WHEELHOUSE to it.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
if (-not (Test-Path .venv-build\Scripts\python.exe)) { py -3 -m venv .venv-build }
$pip = @(".venv-build\Scripts\python.exe", "-m", "pip", "install", "-q")
if ($env:CNSCD_WHEELHOUSE) { $pip += @("--no-index", "--find-links", $env:CNSCD_WHEELHOUSE) }
& $pip[0] $pip[1..($pip.Length-1)] -r .ci\requirements.lock -r .ci\requirements-build.lock
& $pip[0] $pip[1..($pip.Length-1)] --no-deps -e .
if (Test-Path dist\cnscd) { Remove-Item -Recurse -Force dist\cnscd }
& .venv-build\Scripts\pyinstaller.exe --noconfirm --clean --log-level WARN --workpath build\pyinstaller --distpath dist .ci\windows\cnscd.spec
& .venv-build\Scripts\python.exe -c "import shutil, sysconfig, cnscd_tui; print('built:', shutil.make_archive(f'dist/cnscd-{cnscd_tui.__version__}-' + sysconfig.get_platform().replace('-', '_'), 'zip', root_dir='dist', base_dir='cnscd'))"
