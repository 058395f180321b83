import type { Actors, UserHandle } from './actors.js';
import { mapLimit } from './map-limit.js';
import type { Membership } from './membership.js';
import type { IdMap } from './steps/ids.js';
import type { Scenario, UserSpec } from './types.js';

/**
 * The world before the first step: users registered and logged in, friendships, blocks,
 * settings, groups with their roles and mutes, then the initial connections. Anything that
 * fails here is an error of the run (ScenarioResult.error), not a step failure.
 */

const CONCURRENCY = 16;

export interface SetupDeps {
  actors: Actors;
  ids: IdMap;
  membership: Membership;
  timeoutMs: number;
  /** With it, generated users are made in one call per 1,000 (POST /system/users): no password hashing. */
  adminToken?: string | undefined;
}

/** Users per provisioning call (the server's limit). */
const PROVISION_BATCH = 1000;

/** Explicit users, then generated ones (`u1..uN`). */
export function userSpecs(scenario: Scenario): UserSpec[] {
  const generated = scenario.generated;
  if (!generated) return scenario.users;
  const extra = Array.from({ length: generated.count }, (_, i) => ({ name: `${generated.prefix}${i + 1}`, devices: generated.devices }));
  return [...scenario.users, ...extra];
}

async function step<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (e) {
    throw new Error(`setup: ${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

export async function setUp(scenario: Scenario, deps: SetupDeps): Promise<void> {
  const { actors, ids, membership, timeoutMs, adminToken } = deps;
  const users = userSpecs(scenario).map((spec) => {
    const user: Omit<UserHandle, 'devices'> = { name: spec.name, id: ids.addUser(spec.name), password: spec.password ?? `pw-${spec.name}` };
    if (spec.nickname !== undefined) user.nickname = spec.nickname;
    return actors.add(user, spec.devices);
  });
  const everyDevice = users.flatMap((u) => [...u.devices.values()]);
  const specs = new Map(userSpecs(scenario).map((spec) => [spec.name, spec]));
  const homes = actors.nodes.assign(everyDevice.map((d) => ({ label: d.label, ...pinOf(specs.get(d.user.name), d.id) })));
  everyDevice.forEach((device, i) => (device.home = homes[i] ?? 0));
  const http = (name: string) => actors.http(actors.user(name).token, timeoutMs, actors.user(name));

  // Generated users have no password in the file, so none is needed: with the admin token they
  // are provisioned in bulk (1,000 registrations are 2,000 scrypt hashes, over a minute).
  const named = new Set(scenario.users.map((spec) => spec.name));
  const bulk = adminToken === undefined ? [] : users.filter((u) => !named.has(u.name));
  for (let at = 0; at < bulk.length; at += PROVISION_BATCH) {
    const batch = bulk.slice(at, at + PROVISION_BATCH);
    const made = await step(`provision ${batch[0]!.name}…${batch.at(-1)!.name}`, () =>
      actors.http(adminToken, timeoutMs).systemUsers(batch.map((u) => ({ userId: u.id, ...(u.nickname === undefined ? {} : { nickname: u.nickname }) }))),
    );
    batch.forEach((user, i) => (user.token = made[i]!.token));
  }
  const bulkSet = new Set(bulk);
  await mapLimit(users.filter((u) => !bulkSet.has(u)), CONCURRENCY, async (user) => {
    const anonymous = actors.http(undefined, timeoutMs, user);
    await step(`register ${user.name}`, () => anonymous.register(user.id, user.password, user.nickname));
    user.token = (await step(`log in ${user.name}`, () => anonymous.login(user.id, user.password))).token;
  });
  await mapLimit(scenario.setup.friends, CONCURRENCY, async ([a, b]) => {
    await step(`${a} adds friend ${b}`, () => http(a).friendAdd(actors.user(b).id));
    await step(`${b} adds friend ${a}`, () => http(b).friendAdd(actors.user(a).id));
  });
  await mapLimit(scenario.setup.blocks, CONCURRENCY, ([blocker, blocked]) =>
    step(`${blocker} blocks ${blocked}`, () => http(blocker).block(actors.user(blocked).id)),
  );
  await mapLimit(Object.entries(scenario.setup.settings), CONCURRENCY, ([name, settings]) =>
    step(`settings of ${name}`, () => http(name).settings(settings)),
  );
  for (const group of scenario.setup.groups) {
    const groupId = ids.addGroup(group.id);
    const owner = actors.user(group.owner).id;
    const members = group.members.map((m) => actors.user(m).id).filter((m) => m !== owner);
    const request = { groupId, type: group.type, name: group.name, ...(members.length > 0 ? { members } : {}), ...(group.policy ? { policy: group.policy } : {}) };
    const { convId } = await step(`create group ${group.id}`, () => http(group.owner).groupCreate(request));
    membership.created(groupId, convId, [owner, ...members], actors.clock());
    for (const admin of group.admins) {
      await step(`make ${admin} admin of ${group.id}`, () => http(group.owner).groupSetRole(groupId, actors.user(admin).id, 'admin'));
    }
    for (const muted of group.muted) {
      await step(`mute ${muted} in ${group.id}`, () => http(group.owner).groupMute(groupId, actors.user(muted).id, true));
    }
  }
  const connect = scenario.setup.connect;
  const toConnect = connect === 'all' ? users : connect === 'none' ? [] : connect.map((name) => actors.user(name));
  const devices = toConnect.flatMap((u) => [...u.devices.values()]);
  await mapLimit(devices, CONCURRENCY, (device) => step(`connect ${device.label}`, () => device.connect(timeoutMs).then(() => undefined)));
}

/** The file's pin of one device, if any (`nodes: {phone: 2}` over `node: 1`). */
function pinOf(spec: UserSpec | undefined, device: string): { pin?: { node: number; where: string } } {
  const perDevice = spec?.deviceNodes?.[device];
  if (perDevice !== undefined) return { pin: { node: perDevice, where: `users.${spec!.name}.nodes.${device}` } };
  if (spec?.node !== undefined) return { pin: { node: spec.node, where: `users.${spec.name}.node` } };
  return {};
}
