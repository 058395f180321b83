import { plainTheme } from './theme.js';
import type { ScenarioResult } from '../types.js';
import { failureBlock, failureHeadline, transcriptLines } from './failure-format.js';
import type { Reporter, RunEndInfo, TextSink } from './reporter-types.js';

/**
 * JUnit XML, the format every CI server reads: one testcase per scenario (classname = file,
 * name = scenario), one more per threshold, a skipped testcase per file --bail never started.
 * The failure text is the plain failure block; <system-out> holds the scenario's transcript.
 */

// XML 1.0 forbids most control characters, even escaped; ANSI escapes would make the file invalid.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeAttr(text: string): string {
  return text
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

/** A CDATA section holding any text: `]]>` is split across two sections. */
export function cdata(text: string): string {
  return `<![CDATA[${text.replace(INVALID_XML, '').replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

const secs = (ms: number) => (ms / 1000).toFixed(3);

interface Case {
  classname: string;
  name: string;
  time: number;
  body: string[];
  failed: boolean;
  errored: boolean;
  skipped: boolean;
}

function scenarioCase(result: ScenarioResult, transcriptFiles: string[]): Case {
  const body: string[] = [];
  const errored = result.error !== undefined;
  if (!result.passed) {
    const tag = errored ? 'error' : 'failure';
    const type = errored ? 'error' : result.failure ? 'step' : result.violations.length > 0 ? 'invariant' : 'threshold';
    const text = failureBlock(result, plainTheme).join('\n');
    body.push(`<${tag} message="${escapeAttr(failureHeadline(result))}" type="${escapeAttr(type)}">${cdata(text)}</${tag}>`);
  }
  const transcript = transcriptLines(result);
  const links = transcriptFiles.map((f) => `transcript file: ${f}`);
  if (transcript.length > 0 || links.length > 0) body.push(`<system-out>${cdata([...links, ...transcript].join('\n'))}</system-out>`);
  return { classname: result.file, name: result.name, time: result.durationMs, body, failed: !result.passed && !errored, errored, skipped: false };
}

function thresholdCases(result: ScenarioResult): Case[] {
  return result.thresholds.map((r) => {
    const { metric, op, value, source } = r.threshold;
    const text = `${metric} ${op} ${value}`;
    const body = r.passed ? [] : [`<failure message="${escapeAttr(`${text}: actual ${r.actual}`)}" type="threshold">${cdata(`${source.file}:${source.line}: ${text} (actual ${r.actual})`)}</failure>`];
    return { classname: result.file, name: `${result.name} › threshold ${text}`, time: 0, body, failed: !r.passed, errored: false, skipped: false };
  });
}

function caseXml(c: Case): string {
  const open = `    <testcase classname="${escapeAttr(c.classname)}" name="${escapeAttr(c.name)}" time="${secs(c.time)}"`;
  if (c.body.length === 0) return `${open}/>`;
  return `${open}>\n${c.body.map((b) => `      ${b}`).join('\n')}\n    </testcase>`;
}

export function junitXml(summary: RunEndInfo): string {
  const cases: Case[] = [
    ...summary.results.flatMap((r) => [scenarioCase(r, summary.transcriptFiles[r.file] ?? []), ...thresholdCases(r)]),
    ...summary.skipped.map((s) => ({ classname: s.file, name: s.name, time: 0, body: ['<skipped message="not started (--bail or interrupted)"/>'], failed: false, errored: false, skipped: true })),
  ];
  const count = (pick: (c: Case) => boolean) => cases.filter(pick).length;
  const attrs = `tests="${cases.length}" failures="${count((c) => c.failed)}" errors="${count((c) => c.errored)}" skipped="${count((c) => c.skipped)}" time="${secs(summary.durationMs)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="im scenarios" ${attrs}>`,
    `  <testsuite name="im scenarios" ${attrs}>`,
    '    <properties>',
    `      <property name="seed" value="${summary.seed}"/>`,
    '    </properties>',
    ...cases.map(caseXml),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** Writes the whole document at the end of the run. */
export function createJunitReporter(out: TextSink): Reporter {
  return {
    onRunEnd(summary) {
      out.write(junitXml(summary));
    },
  };
}
