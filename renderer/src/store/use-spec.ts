import { memoizeLast } from '../lib/memo';
import { useAppStore } from '.';
import { buildSpecInput, checkSpec, type SpecCheck } from './spec';

const specCheckOf = memoizeLast(
  (cluster: Parameters<typeof buildSpecInput>[0], hosts: Parameters<typeof buildSpecInput>[1]) =>
    checkSpec(buildSpecInput(cluster, hosts)),
);

/** The spec built from the wizard's state, checked once per change however many screens read it. */
export function useSpecCheck(): SpecCheck {
  const cluster = useAppStore((s) => s.cluster);
  const hosts = useAppStore((s) => s.hosts);
  return specCheckOf(cluster, hosts);
}
