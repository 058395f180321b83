import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { ErrorCode } from '../../../protocol/codes.js';
import { ID_PATTERN } from '../../../protocol/ids.js';
import { DEFAULT_MAX_DEPTH, nestedDeeperThan } from '../../../protocol/limits.js';
import { ImError, err } from '../../errors.js';

/** Largest request body the API reads (PROTOCOL.md §2 bodies are small; 1 MiB is generous). */
export const MAX_BODY_BYTES = 1024 * 1024;

const tooLarge = (limit: number) => new ImError(ErrorCode.CONTENT_TOO_LARGE, `request body is over ${limit} bytes`);

export interface BodyLimits {
  /** Bytes; more is CONTENT_TOO_LARGE. */
  limit?: number;
  /** Nesting of objects and arrays; deeper is BAD_FRAME (the frame limit of §3). */
  maxDepth?: number;
}

/**
 * Reads the whole body and parses it as JSON. Over `limit` bytes it rejects at once with
 * CONTENT_TOO_LARGE and drains the rest unread, so the client still gets the answer.
 * @throws ImError BAD_FRAME (not JSON, or nested too deep) or CONTENT_TOO_LARGE
 */
export function readJsonBody(req: IncomingMessage, { limit = MAX_BODY_BYTES, maxDepth = DEFAULT_MAX_DEPTH }: BodyLimits = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > limit) {
      req.resume();
      return reject(tooLarge(limit));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData).resume();
      reject(tooLarge(limit));
    };
    req.on('data', onData);
    const cutOff = () => reject(err.badFrame('request body was cut off'));
    req.on('error', cutOff);
    req.on('close', () => req.complete || cutOff());
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reject(err.badFrame('request body is not valid JSON'));
      }
      if (nestedDeeperThan(body, maxDepth)) return reject(err.badFrame(`request body is nested deeper than ${maxDepth} levels`));
      resolve(body);
    });
  });
}

// ---- validation --------------------------------------------------------------------------

/** userId / groupId (PROTOCOL.md §1). */
export const idField = z.string().regex(ID_PATTERN, 'must be 1-64 chars of [A-Za-z0-9_.-]');
/** Most userIds one add/remove/create call takes: keeps one request's work bounded. */
export const MAX_MEMBERS_PER_CALL = 10_000;
export const idList = z.array(idField).min(1).max(MAX_MEMBERS_PER_CALL);

/** Bodies and queries naming one user or one group, the commonest inputs. */
export const userRef = z.object({ userId: idField });
export const groupRef = z.object({ groupId: idField });

const missingIsRequired = (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : undefined);

/**
 * Validates untrusted input against `schema`.
 * @throws ImError BAD_FRAME naming the first offending field, e.g. "userId: is required"
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input, { error: missingIsRequired });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') || 'body';
  throw err.badFrame(`${field}: ${issue?.message ?? 'is invalid'}`);
}
