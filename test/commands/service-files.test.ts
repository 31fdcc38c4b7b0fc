import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchdPlist } from '../../src/service/launchd';
import { ServiceSpec } from '../../src/service/spec';
import { systemdUnit } from '../../src/service/systemd';
import { windowsTask } from '../../src/service/windows';
import { findTool, requireTool } from '../support/tools';

/*
 * Issue 15: the files "ptunnel service install" writes, checked by the tools that read them:
 * systemd-analyze verify for the units, python3's plistlib for the launchd plist, an XML parser
 * for the Task Scheduler task; and the arguments come back exactly as given.
 */
const NODE = process.execPath;
const AWKWARD = ['--preset', 'gmail', '--presets-dir', '/home/a b/my "presets"', '-p', 'proxy:3128', '--user', 'DOM\\alice', '50%', '$HOME', "it's", 'C:\\Program Files\\x\\', 'tr"ail\\', ''];
const spec = (system: boolean, args: string[] = AWKWARD): ServiceSpec => ({ command: [NODE, '/opt/ptunnel/dist/main.js'], args, system });

const systemdAnalyze = findTool('systemd-analyze') ?? requireTool('systemd-analyze', 'apt-get install -y systemd');
const python = findTool('python3') ?? requireTool('python3', 'apt-get install -y python3');
const tmp = mkdtempSync(join(tmpdir(), 'ptunnel-service-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** ExecStart= as systemd splits it: quoted words with C escapes, then %% and $$ undoubled. */
function systemdArgv(unit: string): string[] {
  const line = (/^ExecStart=(.*)$/m.exec(unit) as RegExpExecArray)[1] as string;
  const words: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"/g)) words.push((m[1] as string).replace(/\\(.)/g, '$1').replace(/%%/g, '%').replace(/\$\$/g, '$'));
  return words;
}

/** CommandLineToArgvW's rules, for the task's <Arguments>. */
function windowsArgv(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    let word = '';
    let quoted = false;
    for (; i < line.length; i++) {
      const c = line[i];
      if (c === '\\') {
        let n = 0;
        while (line[i] === '\\') {
          n++;
          i++;
        }
        if (line[i] === '"') {
          word += '\\'.repeat(Math.floor(n / 2));
          if (n % 2 === 1) word += '"';
          else quoted = !quoted;
        } else {
          word += '\\'.repeat(n);
          i--;
        }
      } else if (c === '"') quoted = !quoted;
      else if (!quoted && (c === ' ' || c === '\t')) break;
      else word += c;
    }
    out.push(word);
  }
  return out;
}

describe.each([false, true])('the systemd unit (system %s)', (system) => {
  const unit = systemdUnit(spec(system));

  (systemdAnalyze ? it : it.skip)('passes systemd-analyze verify', () => {
    const file = join(tmp, `ptunnel${system ? '' : '-user'}.service`);
    writeFileSync(file, unit);
    const r = spawnSync(systemdAnalyze as string, ['verify', file], { encoding: 'utf8' });
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({ status: 0, stderr: '' });
  });

  it('starts node with the arguments exactly as given', () => {
    expect(systemdArgv(unit)).toEqual([NODE, '/opt/ptunnel/dist/main.js', ...AWKWARD]);
  });

  it(system ? 'is hardened, for multi-user.target' : 'is a user unit, for default.target', () => {
    expect(unit).toContain(system ? 'WantedBy=multi-user.target' : 'WantedBy=default.target');
    expect(unit.includes('DynamicUser=yes')).toBe(system);
  });
});

describe('the system unit with --proxy-password-file', () => {
  it.each([
    [['--preset', 'gmail', '--proxy-password-file', '/etc/ptunnel/pw'], ['--preset', 'gmail', '--proxy-password-file', '%d/proxy-password']],
    [['--proxy-password-file=/etc/ptunnel/pw'], ['--proxy-password-file=%d/proxy-password']],
  ])('passes %j as a systemd credential', (args, expected) => {
    const unit = systemdUnit(spec(true, args));
    expect(unit).toContain('LoadCredential=proxy-password:/etc/ptunnel/pw');
    const line = (/^ExecStart=(.*)$/m.exec(unit) as RegExpExecArray)[1] as string;
    expect([...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]).slice(2)).toEqual(expected);
  });

  it('has no credential line without a password file', () => {
    expect(systemdUnit(spec(true, ['--preset', 'gmail']))).not.toContain('LoadCredential');
  });
});

describe('the launchd plist', () => {
  (python ? it : it.skip)('parses with plistlib, with ProgramArguments exactly as given', () => {
    const plist = launchdPlist(spec(false), '/Users/a b/Library/Logs/ptunnel.log');
    const script = 'import plistlib,sys,json; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))';
    const parsed = JSON.parse(execFileSync(python as string, ['-c', script], { input: plist, encoding: 'utf8' })) as Record<string, unknown>;
    expect(parsed).toMatchObject({
      Label: 'io.github.ptunnel',
      ProgramArguments: [NODE, '/opt/ptunnel/dist/main.js', ...AWKWARD],
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      StandardErrorPath: '/Users/a b/Library/Logs/ptunnel.log',
    });
  });
});

describe('the Windows logon task', () => {
  const winSpec: ServiceSpec = { command: ['C:\\Program Files\\nodejs\\node.exe', 'C:\\Users\\a b\\ptunnel\\dist\\main.js'], args: AWKWARD, system: false };

  (python ? it : it.skip)('parses as UTF-16 XML, runs as the user at logon, with the arguments exactly as given', () => {
    const xml = windowsTask(winSpec, 'CORP\\alice');
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
    const script = [
      'import sys,json,xml.etree.ElementTree as ET',
      'ns={"t":"http://schemas.microsoft.com/windows/2004/02/mit/task"}',
      'r=ET.fromstring(sys.stdin.buffer.read())',
      'g=lambda p: r.find(p,ns).text',
      'print(json.dumps({"command":g("t:Actions/t:Exec/t:Command"),"arguments":g("t:Actions/t:Exec/t:Arguments"),"trigger":g("t:Triggers/t:LogonTrigger/t:UserId"),"user":g("t:Principals/t:Principal/t:UserId"),"logon":g("t:Principals/t:Principal/t:LogonType"),"level":g("t:Principals/t:Principal/t:RunLevel")}))',
    ].join('\n');
    const parsed = JSON.parse(execFileSync(python as string, ['-c', script], { input: bytes, encoding: 'utf8' })) as Record<string, string>;
    expect(parsed).toMatchObject({ command: winSpec.command[0], trigger: 'CORP\\alice', user: 'CORP\\alice', logon: 'InteractiveToken', level: 'LeastPrivilege' });
    expect(windowsArgv(parsed.arguments as string)).toEqual([winSpec.command[1], ...AWKWARD]);
  });

  it('refuses an argument with %NAME%, which Task Scheduler would expand and cannot escape', () => {
    expect(() => windowsTask({ ...winSpec, args: ['--proxy-password-file', '%USERPROFILE%\\pw'] }, 'CORP\\alice')).toThrow(
      'service: argument "%USERPROFILE%\\\\pw" holds %NAME%, which Task Scheduler replaces with an environment variable and cannot escape; put that value in a config file (--config) instead',
    );
    // A lone percent sign is not a variable and passes as written.
    expect(windowsTask({ ...winSpec, args: ['--log-format', '100%'] }, 'alice')).toContain('100%');
  });
});

it('refuses arguments with control characters, which no service file can carry', () => {
  expect(() => systemdUnit(spec(false, ['--preset', 'gm\nail']))).toThrow(/control character/);
});
