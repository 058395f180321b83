import { describe, expect, it } from 'vitest';
import { nodeLabel } from '../../src/chat/model/node-label.js';
import { failoverOrder, firstReachable, homeNode, isUnreachable, movedText } from '../../src/chat/session/node-list.js';
import { ImClientError, ImRequestError } from '../../src/client/index.js';
import { ErrorCode } from '../../src/protocol/codes.js';

const N1 = 'http://127.0.0.1:7701';
const N2 = 'http://127.0.0.1:7702';
const N3 = 'http://10.0.0.3:7703';
const NODES = [N1, N2, N3];

const refused = () => new ImClientError('network', 'connect ECONNREFUSED');
const badToken = () => new ImRequestError({ code: ErrorCode.TOKEN_INVALID, message: 'bad token', status: 401, context: 'connect' });

describe('the nodes of --server URL1,URL2,…', () => {
  it('spreads panes round-robin in the order given, and a single server takes every pane', () => {
    expect([0, 1, 2, 3, 4].map((i) => homeNode([N1, N2], i))).toEqual([N1, N2, N1, N2, N1]);
    expect([0, 1, 2].map((i) => homeNode([N1], i))).toEqual([N1, N1, N1]);
  });

  it('tries the node in use first, then the ones after it, wrapping round', () => {
    expect(failoverOrder(NODES, N2)).toEqual([N2, N3, N1]);
    expect(failoverOrder(NODES, N1)).toEqual(NODES);
    expect(failoverOrder([N1], N1)).toEqual([N1]);
  });

  it('moves on from a node that does not answer or is unavailable, not from one that refuses the client', () => {
    expect(isUnreachable(refused())).toBe(true);
    expect(isUnreachable(new ImClientError('handshake', 'HTTP 502'))).toBe(true);
    expect(isUnreachable(new ImRequestError({ code: ErrorCode.UNAVAILABLE, message: 'shutting down', status: 503, context: 'connect' }))).toBe(true);
    expect(isUnreachable(badToken())).toBe(false);
    expect(isUnreachable(new Error('a bug'))).toBe(false);
  });

  it('returns the first node that answers, throws the last failure when none does, and stops at a refusal', async () => {
    const tried: string[] = [];
    const upOnly = (up: string) => async (node: string) => {
      tried.push(node);
      if (node !== up) throw refused();
      return node;
    };
    await expect(firstReachable(failoverOrder(NODES, N2), upOnly(N1))).resolves.toBe(N1);
    expect(tried).toEqual([N2, N3, N1]);

    await expect(firstReachable([N1, N2], upOnly('none'))).rejects.toMatchObject({ reason: 'network' });

    tried.length = 0;
    const refuses = async (node: string) => {
      tried.push(node);
      throw badToken();
    };
    await expect(firstReachable(NODES, refuses)).rejects.toMatchObject({ code: ErrorCode.TOKEN_INVALID });
    expect(tried).toEqual([N1]);
  });

  it('names a node by its place in the list and its host; nothing with one server', () => {
    expect(nodeLabel(NODES, N2)).toEqual({ long: 'node 2 (127.0.0.1:7702)', short: 'node 2' });
    expect(nodeLabel(NODES, N3)?.long).toBe('node 3 (10.0.0.3:7703)');
    expect(nodeLabel([N1], N1)).toBeNull();
    expect(movedText(NODES, N2, N3)).toBe('node 2 (127.0.0.1:7702) did not answer: now on node 3 (10.0.0.3:7703)');
    expect(movedText(NODES, N2, N2)).toBe('');
  });
});
