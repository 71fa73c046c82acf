import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { ConnectivityResult } from '../../../shared/checks/connectivity';
import { ConnectionMatrix } from './ChecksMatrix';

const result = (from: string, to: string, port: number, status: ConnectivityResult['status']) =>
  ({
    from,
    to,
    port,
    proto: 'tcp',
    flow: port === 6443 ? 'api' : 'kubelet',
    purpose: 'test',
    status,
    detail: status === 'blocked' ? 'timed out' : '',
  }) as const;

const results: ConnectivityResult[] = [
  result('pi1', 'srv', 6443, 'blocked'),
  result('pi1', 'srv', 10250, 'open'),
  result('pi2', 'srv', 6443, 'open'),
  result('pi2', 'srv', 10250, 'open'),
  result('srv', 'pi1', 10250, 'unknown'),
  result('srv', 'pi2', 10250, 'open'),
];

const render = (onlyProblems: boolean) =>
  renderToStaticMarkup(createElement(ConnectionMatrix, { results, onlyProblems }));

describe('the connection matrix', () => {
  it('puts every pair in a from × to cell, port by port, colored by the worst result', () => {
    const html = render(false);
    expect(html).toContain('2 of 6 connections are blocked or could not be tested.');
    // pi1 → srv: one port blocked, so the cell is a problem and names the port.
    expect(html).toMatch(/<th scope="row">pi1<\/th><td class="cell cell-fail">.*6443\/tcp ✗/);
    expect(html).toMatch(/<th scope="row">pi2<\/th><td class="cell cell-pass">/);
    expect(html).toContain('<span class="visually-hidden"> unknown</span>');
  });

  it('with only problems, leaves out the machines whose connections are all open', () => {
    const html = render(true);
    expect(html).toContain('<th scope="row">pi1</th>');
    expect(html).toContain('<th scope="row">srv</th>');
    expect(html).not.toContain('<th scope="row">pi2</th>');
    expect(html).not.toContain('10250/tcp ✓');
  });
});
