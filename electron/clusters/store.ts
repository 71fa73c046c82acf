/**
 * Saved clusters: one folder per cluster under `dataDir/clusters/<slug>/`, holding the wizard's
 * draft as `draft.json` (owner-only, written atomically). Plain Node, so every front has it.
 * Secrets are refused twice: by the contract's schema and here, in case a caller skips it.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  ClusterDraftSchema,
  ClusterSlug,
  DRAFT_VERSION,
  findSecrets,
  type ClusterDraft,
  type ClusterDraftInput,
  type SavedClusterSummary,
} from '../../shared/draft';
import { AppError } from '../../shared/errors';
import type { Logger } from '../backend/logger';
import { writeFileAtomic } from '../desktop/files';

const DRAFT_FILE = 'draft.json';

/** A folder name from a cluster's name: `My Lab #2` → `my-lab-2`. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return slug || 'cluster';
}

export class ClusterStore {
  readonly root: string;

  constructor(private readonly options: { dataDir: string; logger?: Logger; now?: () => Date }) {
    this.root = join(options.dataDir, 'clusters');
  }

  /** Every readable saved cluster, newest first; a damaged one is logged and left out. */
  list(): SavedClusterSummary[] {
    let slugs: string[];
    try {
      slugs = readdirSync(this.root, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && ClusterSlug.safeParse(entry.name).success)
        .map((entry) => entry.name);
    } catch {
      return []; // nothing saved yet
    }
    const summaries: SavedClusterSummary[] = [];
    for (const slug of slugs) {
      try {
        const draft = this.read(slug);
        summaries.push({
          name: draft.name,
          slug,
          savedAt: draft.savedAt,
          hosts: draft.hosts.length,
          installed: draft.reached.includes('done'),
        });
      } catch (error) {
        this.options.logger?.warn('clusters', `left out ${slug}: ${(error as Error).message}`);
      }
    }
    return summaries.sort((a, b) => b.savedAt.localeCompare(a.savedAt) || a.slug.localeCompare(b.slug));
  }

  /**
   * Writes the draft. With `slug` it replaces that saved cluster (the user's "Save"); without,
   * it takes a new folder named after the cluster, never overwriting another one.
   */
  save(input: { draft: ClusterDraftInput; slug?: string }): { slug: string; savedAt: string } {
    const secrets = findSecrets(input.draft);
    if (secrets.length > 0) {
      throw new AppError(
        'INVALID_INPUT',
        `A saved cluster never holds a secret, and this one has: ${secrets.join(', ')}.`,
      );
    }
    const savedAt = (this.options.now?.() ?? new Date()).toISOString();
    const parsed = ClusterDraftSchema.safeParse({ ...input.draft, version: DRAFT_VERSION, savedAt });
    if (!parsed.success) {
      throw new AppError('INVALID_INPUT', `The draft is not valid: ${parsed.error.issues[0]?.message ?? ''}`);
    }
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const slug = input.slug ? this.checkSlug(input.slug) : this.claimSlug(parsed.data.name);
    mkdirSync(this.folder(slug), { recursive: true, mode: 0o700 });
    try {
      writeFileAtomic(this.file(slug), `${JSON.stringify(parsed.data, null, 2)}\n`, { mode: 0o600 });
    } catch (error) {
      if (!input.slug) rmSync(this.folder(slug), { recursive: true, force: true });
      throw new AppError('FILE_ERROR', `Could not save the cluster ${parsed.data.name}: ${String(error)}`);
    }
    this.options.logger?.info('clusters', `saved ${slug} (${parsed.data.hosts.length} hosts)`);
    return { slug, savedAt };
  }

  load(slug: string): ClusterDraft {
    return this.read(this.checkSlug(slug));
  }

  delete(slug: string): void {
    this.checkSlug(slug);
    this.read(slug); // NOT_FOUND for a folder that is not a saved cluster
    rmSync(this.folder(slug), { recursive: true, force: true });
    this.options.logger?.info('clusters', `deleted ${slug}`);
  }

  private read(slug: string): ClusterDraft {
    let text: string;
    try {
      text = readFileSync(this.file(slug), 'utf8');
    } catch {
      throw new AppError('NOT_FOUND', `There is no saved cluster ${slug}.`, { slug });
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new AppError('FILE_ERROR', `The saved cluster ${slug} is damaged (not JSON).`, { slug });
    }
    const parsed = ClusterDraftSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AppError(
        'FILE_ERROR',
        `The saved cluster ${slug} cannot be read by this version (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}).`,
        { slug },
      );
    }
    return parsed.data;
  }

  /** A free folder for a new cluster: `homelab`, then `homelab-2`, `homelab-3`… */
  private claimSlug(name: string): string {
    const base = slugify(name);
    for (let n = 1; ; n++) {
      const slug = n === 1 ? base : `${base}-${n}`;
      try {
        // Not recursive: fails when the folder exists, so two saves cannot take the same one.
        mkdirSync(this.folder(slug), { mode: 0o700 });
        return slug;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }

  private checkSlug(slug: string): string {
    if (!ClusterSlug.safeParse(slug).success) {
      throw new AppError('INVALID_INPUT', `${JSON.stringify(slug)} is not a saved cluster’s name.`);
    }
    return slug;
  }

  private folder(slug: string): string {
    return join(this.root, slug);
  }

  private file(slug: string): string {
    return join(this.folder(slug), DRAFT_FILE);
  }
}
