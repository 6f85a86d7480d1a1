import { Fragment, type ReactNode } from 'react';
import { diffJson, sameJson, type DiffEntry, type DiffNode, type DiffStatus } from '../../src/model/diff';
import { referenceOf } from '../../src/model/references';
import { Link } from '../router';

const MARK: Record<DiffStatus, string> = { added: '+', removed: '−', changed: '~', unchanged: ' ' };

function Scalar({ value, keyName, parentKey }: { value: unknown; keyName?: string; parentKey?: string }) {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  const kind = value === null ? 'null' : typeof value;
  const reference = referenceOf(keyName, value, parentKey);
  const token = <span className={`json-${kind}`}>{text}</span>;
  return reference ? (
    <Link to={reference} className="json-ref" title="Open">
      {token}
    </Link>
  ) : (
    token
  );
}

type LineProps = { depth: number; status: DiffStatus; path: string; children: ReactNode };

function Line({ depth, status, path, children }: LineProps) {
  return (
    <div className={`json-line diff-${status}`} data-diff={status} data-path={path}>
      <span className="json-gutter" aria-hidden="true">
        {MARK[status]}
      </span>
      <span className="json-code" style={{ paddingLeft: `${depth * 1.25}em` }}>
        {children}
      </span>
    </div>
  );
}

function KeyLabel({ name, isArray }: { name: string | undefined; isArray: boolean }) {
  if (name === undefined || isArray) return null;
  return (
    <>
      <span className="json-key">{JSON.stringify(name)}</span>
      <span className="json-punct">: </span>
    </>
  );
}

type NodeProps = {
  node: DiffNode;
  name: string | undefined;
  parentName: string | undefined;
  inArray: boolean;
  depth: number;
  path: string;
  last: boolean;
  hideUnchanged: boolean;
};

function NodeLines({ node, name, parentName, inArray, depth, path, last, hideUnchanged }: NodeProps) {
  const comma = last ? '' : ',';
  if (node.kind === 'leaf') {
    const label = <KeyLabel name={name} isArray={inArray} />;
    if (node.status === 'changed') {
      return (
        <Line depth={depth} status="changed" path={path}>
          {label}
          <del className="json-before">
            <Scalar value={node.before} keyName={name} parentKey={parentName} />
          </del>
          <span className="json-arrow" aria-label="changed to">
            {' → '}
          </span>
          <ins className="json-after">
            <Scalar value={node.after} keyName={name} parentKey={parentName} />
          </ins>
          {comma}
        </Line>
      );
    }
    const value = node.status === 'removed' ? node.before : node.after;
    return (
      <Line depth={depth} status={node.status} path={path}>
        {label}
        <Scalar value={value} keyName={name} parentKey={parentName} />
        {comma}
      </Line>
    );
  }
  const [open, close] = node.kind === 'array' ? ['[', ']'] : ['{', '}'];
  const status = node.status === 'changed' ? 'unchanged' : node.status;
  if (node.entries.length === 0) {
    return (
      <Line depth={depth} status={node.status} path={path}>
        <KeyLabel name={name} isArray={inArray} />
        <span className="json-punct">
          {open}
          {close}
        </span>
        {comma}
      </Line>
    );
  }
  return (
    <>
      <Line depth={depth} status={status} path={path}>
        <KeyLabel name={name} isArray={inArray} />
        <span className="json-punct">{open}</span>
      </Line>
      <Entries entries={node.entries} parentName={name} isArray={node.kind === 'array'} depth={depth + 1} path={path} hideUnchanged={hideUnchanged} />
      <Line depth={depth} status={status} path={`${path}/end`}>
        <span className="json-punct">{close}</span>
        {comma}
      </Line>
    </>
  );
}

function Entries({ entries, parentName, isArray, depth, path, hideUnchanged }: { entries: readonly DiffEntry[]; parentName: string | undefined; isArray: boolean; depth: number; path: string; hideUnchanged: boolean }) {
  const out: ReactNode[] = [];
  let skipped = 0;
  const flush = (at: number) => {
    if (skipped === 0) return;
    out.push(
      <div key={`skip-${at}`} className="json-line json-skipped" style={{ paddingLeft: `${depth * 1.25 + 1.5}em` }}>
        … {skipped} unchanged {skipped === 1 ? 'field' : 'fields'}
      </div>,
    );
    skipped = 0;
  };
  entries.forEach((entry, index) => {
    if (hideUnchanged && entry.node.status === 'unchanged') {
      skipped++;
      return;
    }
    flush(index);
    out.push(
      <NodeLines
        key={entry.key}
        node={entry.node}
        name={entry.key}
        parentName={parentName}
        inArray={isArray}
        depth={depth}
        path={path ? `${path}.${entry.key}` : entry.key}
        last={index === entries.length - 1}
        hideUnchanged={hideUnchanged}
      />,
    );
  });
  flush(entries.length);
  return <Fragment>{out}</Fragment>;
}

/** A diff of two JSON values, rendered as a JSON document with added / changed / removed lines highlighted. */
export function DiffTree({ before, after, hideUnchanged = false, label }: { before: unknown; after: unknown; hideUnchanged?: boolean; label?: string }) {
  return (
    <div className="json" role="group" aria-label={label}>
      <NodeLines node={diffJson(before, after)} name={undefined} parentName={undefined} inArray={false} depth={0} path="" last hideUnchanged={hideUnchanged} />
    </div>
  );
}

/** Readable, highlighted JSON (values such as `customerId` and `licenseId` become links). */
export function JsonView({ value, label }: { value: unknown; label?: string }) {
  return (
    <div className="json" role="group" aria-label={label}>
      <NodeLines node={sameJson(value)} name={undefined} parentName={undefined} inArray={false} depth={0} path="" last hideUnchanged={false} />
    </div>
  );
}
