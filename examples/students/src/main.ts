/**
 * Seed 000 end to end: two students enrol, one changes address; a live fold, an inline view
 * written in the append's transaction, async course rosters, and an e-mail address that can't be taken twice.
 * Run: npm start --workspace @chronicle/example-students
 */
import {
  aggregateStream,
  createCommandHandler,
  createInMemoryStore,
  createProjectionRunner,
  isChronicleError,
  silentLogger,
  type EventStore,
  type StoreWithProjections,
} from '@chronicle/core';
import { courseRosters, studentView, type CourseRoster, type StudentView } from './projections.js';
import { studentDecider, studentStream, type StudentCommand } from './student.js';

/** Plays the term against `store` (opened with the inline `studentView` and `uniqueEmails`) and prints it. */
export async function playTerm(
  store: EventStore & StoreWithProjections<unknown>,
  log: (line: string) => void = console.log,
): Promise<void> {
  const handle = createCommandHandler(store, studentDecider);
  const steps: [string, StudentCommand][] = [
    ['s1', { type: 'CreateStudent', studentId: 's1', fullName: 'Nick', email: 'nick@example.com', dateOfBirth: '1993-01-01' }],
    ['s2', { type: 'CreateStudent', studentId: 's2', fullName: 'Ann', email: 'ann@example.com', dateOfBirth: '2001-05-05' }],
    ['s1', { type: 'Enroll', courseName: 'Maths' }],
    ['s2', { type: 'Enroll', courseName: 'Maths' }],
    ['s1', { type: 'Enroll', courseName: 'Physics' }],
    ['s1', { type: 'Unenroll', courseName: 'Maths' }],
    ['s2', { type: 'UpdateStudent', fullName: 'Ann', email: 'nick@example.com' }],
    ['s1', { type: 'UpdateStudent', fullName: 'Nick Chapsas', email: 'nick@dometrain.com' }],
    ['s2', { type: 'UpdateStudent', fullName: 'Ann', email: 'nick@example.com' }],
  ];
  let last = 0;
  for (const [id, command] of steps) {
    const label = `${id} ${command.type}`.padEnd(17);
    try {
      const result = await handle(studentStream(id), command);
      last = Math.max(last, ...result.newEvents.map((e) => e.globalPosition));
      log(`  ✓ ${label} → ${result.newEvents.map((e) => e.type).join(', ') || 'nothing (no-op)'}`);
    } catch (error) {
      if (!isChronicleError(error)) throw error;
      log(`  ✗ ${label} → rejected ${error.code}: ${error.message}`);
    }
  }
  const live = await aggregateStream(store, studentStream('s1'), studentDecider);
  log(`\nLive (folded now): ${JSON.stringify(live.state)}`);
  const view = await store.projections.documents.get<StudentView>('students', studentStream('s1'));
  log(`Inline view (written with the events): ${view?.fullName} <${view?.email}>, ${view?.courses.join(', ')}, version ${view?.version}`);
  const runner = createProjectionRunner({ store, host: store.projections, projection: courseRosters, logger: silentLogger });
  runner.start();
  await runner.waitFor(last);
  for (const course of ['Maths', 'Physics']) {
    const roster = await store.projections.documents.get<CourseRoster>('course-rosters', course);
    log(`Async roster ${course}: ${roster?.students.join(', ') ?? '(none)'}`);
  }
  await runner.stop();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { uniqueEmails } = await import('./unique-emails.js');
  const store = createInMemoryStore({ projections: [studentView, uniqueEmails] });
  await playTerm(store);
  await store.close();
}
