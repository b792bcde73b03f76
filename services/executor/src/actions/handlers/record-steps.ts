import { assignTechnician as assign, createTask as insertTask } from '../records';
import { text, type ActionHandler } from '../handler';

export const updateRecord: ActionHandler<'update_record'> = (req, kit) => {
  const c = req.config;
  return kit.records.update({
    organizationId: req.organizationId,
    table: text(c.table),
    id: text(c.id),
    set: (c.set ?? {}) as Record<string, unknown>,
    stepKey: req.stepKey,
    depth: req.depth,
  });
};

export const createTask: ActionHandler<'create_task'> = (req, kit) => {
  const c = req.config;
  const hours = req.node.config.dueInHours;
  return insertTask(kit.pool, {
    organizationId: req.organizationId,
    title: text(c.title),
    ...(c.description !== undefined ? { description: text(c.description) } : {}),
    dueAt: hours === undefined ? null : new Date(kit.now().getTime() + hours * 3600_000),
    ...(c.assigneeTechnicianId ? { technicianId: text(c.assigneeTechnicianId) } : {}),
    ...(c.jobId ? { jobId: text(c.jobId) } : {}),
    stepKey: req.stepKey,
    depth: req.depth,
  });
};

export const assignTechnician: ActionHandler<'assign_technician'> = (req, kit) => {
  const c = req.config;
  return assign(kit.pool, {
    organizationId: req.organizationId,
    jobId: text(c.jobId),
    strategy: req.node.config.strategy,
    ...(c.technicianId ? { technicianId: text(c.technicianId) } : {}),
    stepKey: req.stepKey,
    depth: req.depth,
  });
};
