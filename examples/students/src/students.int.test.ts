import { aggregateStream, createCommandHandler, createProjectionRunner, silentLogger } from '@chronicle/core';
import { expect, it } from 'vitest';
import { describeEachStore, untilVisible } from '../../shared/src/test-stores.js';
import { courseRosters, studentView, type CourseRoster, type StudentView } from './projections.js';
import { studentDecider, studentStream, type StudentCommand } from './student.js';
import { EmailTakenError, uniqueEmails } from './unique-emails.js';

await describeEachStore('students (seed 000)', ({ open }) => {
  it('live, inline and async projections agree', async () => {
    const store = await open({ projections: [studentView] });
    const handle = createCommandHandler(store, studentDecider);
    await handle(studentStream('s1'), { type: 'CreateStudent', studentId: 's1', fullName: 'Nick', email: 'nick@example.com', dateOfBirth: '1993-01-01' });
    await handle(studentStream('s2'), { type: 'CreateStudent', studentId: 's2', fullName: 'Ann', email: 'ann@example.com', dateOfBirth: '2001-05-05' });
    await handle(studentStream('s1'), { type: 'Enroll', courseName: 'Maths' });
    await handle(studentStream('s2'), { type: 'Enroll', courseName: 'Maths' });
    await handle(studentStream('s1'), { type: 'Enroll', courseName: 'Physics' });
    await handle(studentStream('s1'), { type: 'Unenroll', courseName: 'Maths' });
    const last = await handle(studentStream('s1'), { type: 'UpdateStudent', fullName: 'Nick Chapsas', email: 'nick@dometrain.com' });

    // Live projection: fold the stream on demand.
    const live = await aggregateStream(store, studentStream('s1'), studentDecider);
    expect(live.state).toMatchObject({ fullName: 'Nick Chapsas', email: 'nick@dometrain.com', courses: ['Physics'] });

    // Inline projection: already up to date when the command returned.
    const view = await store.projections.documents.get<StudentView>('students', studentStream('s1'));
    expect(view).toEqual({ id: 's1', fullName: 'Nick Chapsas', email: 'nick@dometrain.com', dateOfBirth: '1993-01-01', courses: ['Physics'], version: 5 });

    // Async projection: nothing yet, then catches up from its checkpoint.
    expect(await store.projections.documents.count('course-rosters')).toBe(0);
    const runner = createProjectionRunner({ store, host: store.projections, projection: courseRosters, logger: silentLogger });
    await untilVisible(store, last.newEvents[0]!.globalPosition);
    await runner.catchUp();
    expect(await store.projections.documents.get<CourseRoster>('course-rosters', 'Maths')).toEqual({ courseName: 'Maths', students: ['s2'] });
    expect(await store.projections.documents.get<CourseRoster>('course-rosters', 'Physics')).toEqual({ courseName: 'Physics', students: ['s1'] });
  });

  it('a rejected command changes neither the stream nor the inline view', async () => {
    const store = await open({ projections: [studentView] });
    const handle = createCommandHandler(store, studentDecider);
    await handle(studentStream('s1'), { type: 'CreateStudent', studentId: 's1', fullName: 'Nick', email: 'nick@example.com', dateOfBirth: '1993-01-01' });
    await expect(handle(studentStream('s1'), { type: 'UpdateStudent', fullName: 'Nick', email: 'not-an-email' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await store.projections.documents.get<StudentView>('students', studentStream('s1'))).toMatchObject({ email: 'nick@example.com', version: 1 });
    expect((await store.getStreamInfo(studentStream('s1')))?.version).toBe(1);
  });

  it('the async projection resumes from its checkpoint without applying an event twice', async () => {
    const store = await open();
    const handle = createCommandHandler(store, studentDecider);
    const runner = () => createProjectionRunner({ store, host: store.projections, projection: courseRosters, logger: silentLogger });
    await handle(studentStream('s1'), { type: 'CreateStudent', studentId: 's1', fullName: 'Nick', email: 'nick@example.com', dateOfBirth: '1993-01-01' });
    const enrolled = await handle(studentStream('s1'), { type: 'Enroll', courseName: 'Maths' });
    await untilVisible(store, enrolled.newEvents[0]!.globalPosition);
    await runner().catchUp();
    await handle(studentStream('s1'), { type: 'Unenroll', courseName: 'Maths' });
    const again = await handle(studentStream('s1'), { type: 'Enroll', courseName: 'Maths' });
    await untilVisible(store, again.newEvents[0]!.globalPosition);
    // A new runner (as after a restart) continues where the checkpoint is.
    const status = await runner().catchUp();
    expect(status.position).toBe(again.newEvents[0]!.globalPosition);
    expect(status.processed).toBe(2);
    expect(await store.projections.documents.get<CourseRoster>('course-rosters', 'Maths')).toEqual({ courseName: 'Maths', students: ['s1'] });
  });

  it('an inline projection keeps e-mail addresses unique across students: a refused append stores nothing', async () => {
    const store = await open({ projections: [studentView, uniqueEmails] });
    const handle = createCommandHandler(store, studentDecider);
    const create = (id: string, email: string): StudentCommand => ({ type: 'CreateStudent', studentId: id, fullName: id, email, dateOfBirth: '2000-01-01' });
    await handle(studentStream('s1'), create('s1', 'ann@example.com'));
    await handle(studentStream('s2'), create('s2', 'bob@example.com'));

    await expect(handle(studentStream('s3'), create('s3', 'ann@example.com'))).rejects.toThrow(EmailTakenError);
    await expect(handle(studentStream('s2'), { type: 'UpdateStudent', fullName: 's2', email: 'ann@example.com' })).rejects.toMatchObject({ code: 'EMAIL_TAKEN' });
    expect(await store.getStreamInfo(studentStream('s3'))).toBeUndefined();
    expect((await store.getStreamInfo(studentStream('s2')))?.version).toBe(1);
    expect(await store.projections.documents.get('students', studentStream('s3'))).toBeUndefined();
    expect(await store.projections.documents.get<StudentView>('students', studentStream('s2'))).toMatchObject({ email: 'bob@example.com' });

    // Changing address frees the old one.
    await handle(studentStream('s1'), { type: 'UpdateStudent', fullName: 's1', email: 'ann@school.example' });
    await handle(studentStream('s3'), create('s3', 'ann@example.com'));
    expect((await store.projections.documents.find('student-emails')).map((e) => [e.id, e.document])).toEqual([
      ['ann@example.com', { streamId: studentStream('s3') }],
      ['ann@school.example', { streamId: studentStream('s1') }],
      ['bob@example.com', { streamId: studentStream('s2') }],
    ]);
  });

  it('of concurrent sign-ups with one e-mail address exactly one succeeds', async () => {
    const store = await open({ projections: [uniqueEmails] });
    const handle = createCommandHandler(store, studentDecider);
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const outcomes = await Promise.allSettled(
      ids.map((id) => handle(studentStream(id), { type: 'CreateStudent', studentId: id, fullName: id, email: 'same@example.com', dateOfBirth: '2000-01-01' })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason)).toEqual(Array(5).fill(expect.any(EmailTakenError)));
    const created = [];
    for (const id of ids) if (await store.getStreamInfo(studentStream(id))) created.push(id);
    expect(created).toHaveLength(1);
    expect(await store.projections.documents.get('student-emails', 'same@example.com')).toEqual({ streamId: studentStream(created[0]!) });
  });
});
