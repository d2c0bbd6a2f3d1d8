// Compact, stable text renderings of entries, messages and Readies for golden files.

import {
  EntryType,
  ServerSuffrage,
  decodeConfiguration,
  type Configuration,
  type Entry,
  type Message,
  type Ready,
} from '../../../consensus/raft/index.ts';

const text = new TextDecoder();

export function formatConfiguration(c: Configuration): string {
  return `{${c.servers.map((s) => (s.suffrage === ServerSuffrage.Voter ? s.id : `~${s.id}`)).join(',')}}`;
}

export function formatEntry(e: Entry): string {
  const at = `${e.term}/${e.index}`;
  switch (e.type) {
    case EntryType.Command:
      return `${at} ${JSON.stringify(text.decode(e.data))}`;
    case EntryType.Noop:
      return `${at} noop`;
    case EntryType.Barrier:
      return `${at} barrier`;
    case EntryType.Configuration:
      return `${at} conf${formatConfiguration(decodeConfiguration(e.data))}`;
  }
}

export function formatEntries(es: readonly Entry[]): string {
  return `[${es.map(formatEntry).join(', ')}]`;
}

export function formatMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} t${m.term}`;
  switch (m.type) {
    case 'vote':
    case 'preVote':
      return `${head} last=${m.lastLogTerm}/${m.lastLogIndex}${m.transfer ? ' transfer' : ''}`;
    case 'voteResp':
    case 'preVoteResp':
      return `${head}${m.reject ? ' REJECT' : ''}`;
    case 'append':
      return `${head} prev=${m.prevLogTerm}/${m.prevLogIndex} commit=${m.commit}${m.entries.length ? ' ' + formatEntries(m.entries) : ''}`;
    case 'appendResp':
      return m.reject ? `${head} REJECT index=${m.index} hint=${m.hintTerm}/${m.hintIndex}` : `${head} index=${m.index}`;
    case 'heartbeat':
      return `${head} commit=${m.commit}${m.context !== null ? ` ctx=${m.context}` : ''}`;
    case 'heartbeatResp':
      return `${head}${m.context !== null ? ` ctx=${m.context}` : ''}`;
    case 'snapshot':
      return `${head} snap=${m.meta.term}/${m.meta.index} conf${formatConfiguration(m.meta.configuration)}${m.done ? ' done' : ''}`;
    case 'timeoutNow':
      return head;
    case 'readIndex':
      return `${head} ctx=${m.context}`;
    case 'readIndexResp':
      return `${head} ctx=${m.context} index=${m.index}`;
    case 'transferLeader':
      return `${head} target=${m.target}`;
  }
}

export function formatReady(id: string, rd: Ready): string[] {
  const out = [`Ready ${id}:`];
  if (rd.softState) out.push(`  soft: ${rd.softState.role} leader=${rd.softState.leader ?? '-'} term=${rd.softState.term}`);
  if (rd.hardState) out.push(`  hard: term=${rd.hardState.term} vote=${rd.hardState.vote ?? '-'} commit=${rd.hardState.commit}`);
  if (rd.snapshot) out.push(`  snapshot: ${rd.snapshot.term}/${rd.snapshot.index} conf${formatConfiguration(rd.snapshot.configuration)}`);
  if (rd.entries.length) out.push(`  entries: ${formatEntries(rd.entries)}`);
  for (const m of rd.messages) out.push(`  send: ${formatMessage(m)}`);
  for (const m of rd.messagesAfterPersist) out.push(`  send after persist: ${formatMessage(m)}`);
  if (rd.committedEntries.length) out.push(`  apply: ${formatEntries(rd.committedEntries)}`);
  for (const r of rd.readStates) out.push(`  read-state: ctx=${r.context} index=${r.index}`);
  if (rd.configuration) out.push(`  configuration: ${rd.configuration.index} ${formatConfiguration(rd.configuration.configuration)}`);
  if (rd.snapshotDue) out.push('  snapshot due');
  if (rd.compactTo !== null) out.push(`  compact to ${rd.compactTo}`);
  if (rd.mustSync) out.push('  must sync');
  return out;
}
