@echo off
rem Called by the other scripts: create the virtualenv .venv if needed and install the pinned requirements.
rem Usage: call batch_scripts\_venv.bat [requirements file]
rem PYTHON chooses the interpreter the virtualenv is made with (default: python), e.g.
rem   set PYTHON=py -3.11      or      set PYTHON="C:\Program Files\Python311\python.exe"
setlocal
set "REQUIREMENTS=%~1"
if "%REQUIREMENTS%"=="" set "REQUIREMENTS=requirements.txt"
if not defined PYTHON set "PYTHON=python"
if exist .venv\Scripts\python.exe goto install
%PYTHON% -m venv .venv
if errorlevel 1 goto novenv
if not exist .venv\Scripts\python.exe goto novenv
:install
.venv\Scripts\python -m pip install --quiet --disable-pip-version-check -r "%REQUIREMENTS%"
if errorlevel 1 (
  echo.
  echo Could not install %REQUIREMENTS% into .venv: pip says why above.
  exit /b 1
)
exit /b 0
:novenv
if exist .venv rmdir /s /q .venv
echo.
echo Could not create the virtualenv .venv with %PYTHON%.
echo TravelHub needs Python 3.11: install it from python.org (tick "Add python.exe to PATH"),
echo or point PYTHON at one, e.g.  set PYTHON=py -3.11
exit /b 1
