; Inno Setup script of the Windows installer (Inno Setup 6.3 or newer): 信访台账 for Windows 10/11, 64-bit.
;
; Build it with installer\build-installer.ps1, which builds the bundle (dist\xinfang-desk\) first and passes
; the version from pyproject.toml:  ISCC /DAppVersion=0.1.0 installer\xinfang-desk.iss
; The result is dist\xinfang-desk-<version>-setup.exe.
;
; - Installs for the current user (no administrator rights needed; %LOCALAPPDATA%\Programs) or, when the user
;   chooses so and may, for all users (Program Files): the install-mode dialog.
; - A Start-menu entry, and a desktop shortcut (a task, ticked by default).
; - Upgrades in place: the AppId below never changes, so a newer setup finds the installed copy, its folder and
;   its install mode, closes the running program (Restart Manager) and replaces the program files.
; - Keeps the user's data on uninstall: ledgers, backups, settings and logs live in each user's own profile
;   (%LOCALAPPDATA%\xinfang_desk), which the installer never writes and the uninstaller never removes.

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=x.y.z xinfang-desk.iss (installer\build-installer.ps1 does)
#endif
#define AppName "信访台账"
#define AppExe "xinfang-desk.exe"
; SourcePath: this script's folder (with a trailing backslash).
#define BundleDir SourcePath + "..\dist\xinfang-desk"
#if !FileExists(BundleDir + "\" + AppExe)
  #error dist\xinfang-desk\xinfang-desk.exe is missing: build the bundle first (installer\build-installer.ps1)
#endif

[Setup]
; Never change the AppId: it is how a newer setup recognises an installed 信访台账 and upgrades it.
AppId={{1ED3BF12-E4F7-4D18-B424-22A19561698B}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=xinfang-desk
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
VersionInfoDescription={#AppName} 安装程序
DefaultDirName={autopf}\xinfang-desk
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
UsePreviousPrivileges=yes
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
CloseApplications=yes
RestartApplications=no
SetupIconFile=..\resources\icons\app.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
OutputDir=..\dist
OutputBaseFilename=xinfang-desk-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Languages]
; Inno Setup's Chinese messages (Languages\ChineseSimplified.isl) when the compiler has them, else English.
#if FileExists(CompilerPath + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#else
Name: "english"; MessagesFile: "compiler:Default.isl"
#endif

[Tasks]
Name: "desktopicon"; Description: "在桌面创建“{#AppName}”快捷方式"; GroupDescription: "快捷方式："

[InstallDelete]
; An upgrade replaces the program files whole, so no file of an older version stays behind.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "信访事项登记、交办、督办与统计"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
; The first start opens the first-run wizard (单位设置, or the demo ledger).
Filename: "{app}\{#AppExe}"; Description: "立即运行{#AppName}"; Flags: nowait postinstall skipifsilent
