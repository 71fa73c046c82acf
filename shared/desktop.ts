/**
 * What the desktop front adds to the contract: native file pickers (through main, so the
 * renderer never touches the disk) and menu commands sent to the window.
 */
import { z } from 'zod';

export const FileFilterSchema = z.strictObject({
  name: z.string().min(1).max(100),
  /** Without the dot; `*` for any file. */
  extensions: z
    .array(z.string().regex(/^(\*|[A-Za-z0-9_-][A-Za-z0-9._-]{0,19})$/))
    .min(1)
    .max(20),
});
export type FileFilter = z.infer<typeof FileFilterSchema>;

const Title = z.string().min(1).max(200);
/** A leading `~/` means the user's home folder. */
const DefaultPath = z.string().min(1).max(4096);

export const OpenFileInput = z.strictObject({
  title: Title,
  filters: z.array(FileFilterSchema).max(20).optional(),
  defaultPath: DefaultPath.optional(),
});
export type OpenFileInput = z.output<typeof OpenFileInput>;

export const OpenFolderInput = z.strictObject({ title: Title, defaultPath: DefaultPath.optional() });
export type OpenFolderInput = z.output<typeof OpenFolderInput>;

/** Largest file `dialog:saveFile` writes (kubeconfigs and scripts are far smaller). */
export const MAX_SAVE_CHARS = 8 * 1024 * 1024;

export const SaveFileInput = z.strictObject({
  title: Title,
  defaultPath: DefaultPath,
  filters: z.array(FileFilterSchema).max(20).optional(),
  content: z.string().max(MAX_SAVE_CHARS),
  /** Readable by the owner only (0600): a kubeconfig, a token. */
  secret: z.boolean().default(false),
});
export type SaveFileInput = z.output<typeof SaveFileInput>;

/** The chosen path, or null when the user cancelled. */
export const PickedPathSchema = z.object({ path: z.string().nullable() });

export const MENU_COMMANDS = ['new-cluster', 'open-cluster', 'save-cluster', 'about'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];
export const MenuEventSchema = z.object({ command: z.enum(MENU_COMMANDS) });
