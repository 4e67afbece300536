import type { Backend } from '../db.ts';
import type { AuditRepository } from '../types.ts';
import type { Run } from './run.ts';

export function auditRepository({ db }: Backend, run: Run): AuditRepository {
  return {
    append: (entry) =>
      run('audit.append', async () => {
        await db.auditEntry.create({ data: entry });
      }),

    list: ({ limit, before }) =>
      run('audit.list', () =>
        db.auditEntry.findMany({ where: before === undefined ? {} : { id: { lt: before } }, orderBy: { id: 'desc' }, take: limit }),
      ),

    purgeOlderThan: (cutoff) =>
      run('audit.purgeOlderThan', async () => {
        const { count } = await db.auditEntry.deleteMany({ where: { at: { lt: cutoff } } });
        return count;
      }),
  };
}
