import { aggregateStream, createCommandHandler, createInMemoryStore, createProjectionRunner, silentLogger } from '@chronicle/core';
import { spec } from '@chronicle/core/testing';
import { describe, expect, it } from 'vitest';
import { courseRosters, studentView, type CourseRoster, type StudentView } from './projections.js';
import { AlreadyEnrolledError, NotEnrolledError, StudentNotFoundError, studentDecider, studentStream, type StudentEvent } from './student.js';

const created: StudentEvent = { type: 'StudentCreated', data: { studentId: 's1', fullName: 'Nick Chapsas', email: 'nick@example.com', dateOfBirth: '1993-01-01' } };

describe('students (seed 000)', () => {
  it('decides', () => {
    const given = spec(studentDecider).given;
    given([]).when({ type: 'CreateStudent', studentId: 's1', fullName: 'Nick Chapsas', email: 'nick@example.com', dateOfBirth: '1993-01-01' }).then([created]);
    given([]).when({ type: 'CreateStudent', studentId: 's1', fullName: 'N', email: 'not-an-email', dateOfBirth: '1993-01-01' }).thenThrows('VALIDATION_FAILED');
    given([]).when({ type: 'Enroll', courseName: 'Maths' }).thenThrows(StudentNotFoundError);
    given([created]).when({ type: 'Enroll', courseName: 'Maths' }).then([{ type: 'StudentEnrolled', data: { courseName: 'Maths' } }]);
    given([created, { type: 'StudentEnrolled', data: { courseName: 'Maths' } }]).when({ type: 'Enroll', courseName: 'Maths' }).thenThrows(AlreadyEnrolledError);
    given([created]).when({ type: 'Unenroll', courseName: 'Maths' }).thenThrows(NotEnrolledError);
    given([created]).when({ type: 'UpdateStudent', fullName: 'Nick Chapsas', email: 'nick@example.com' }).thenNothing();
  });

  it('live, inline and async projections agree', async () => {
    const store = createInMemoryStore({ projections: [studentView] });
    const handle = createCommandHandler(store, studentDecider);
    await handle(studentStream('s1'), { type: 'CreateStudent', studentId: 's1', fullName: 'Nick', email: 'nick@example.com', dateOfBirth: '1993-01-01' });
    await handle(studentStream('s2'), { type: 'CreateStudent', studentId: 's2', fullName: 'Ann', email: 'ann@example.com', dateOfBirth: '2001-05-05' });
    await handle(studentStream('s1'), { type: 'Enroll', courseName: 'Maths' });
    await handle(studentStream('s2'), { type: 'Enroll', courseName: 'Maths' });
    await handle(studentStream('s1'), { type: 'Enroll', courseName: 'Physics' });
    await handle(studentStream('s1'), { type: 'Unenroll', courseName: 'Maths' });
    await handle(studentStream('s1'), { type: 'UpdateStudent', fullName: 'Nick Chapsas', email: 'nick@dometrain.com' });

    // Live projection: fold the stream on demand.
    const live = await aggregateStream(store, studentStream('s1'), studentDecider);
    expect(live.state).toMatchObject({ fullName: 'Nick Chapsas', email: 'nick@dometrain.com', courses: ['Physics'] });

    // Inline projection: already up to date when the command returned.
    const view = await store.projections.documents.get<StudentView>('students', studentStream('s1'));
    expect(view).toEqual({ id: 's1', fullName: 'Nick Chapsas', email: 'nick@dometrain.com', dateOfBirth: '1993-01-01', courses: ['Physics'], version: 5 });

    // Async projection: catches up from its checkpoint.
    const runner = createProjectionRunner({ store, host: store.projections, projection: courseRosters, logger: silentLogger });
    await runner.catchUp();
    expect(await store.projections.documents.get<CourseRoster>('course-rosters', 'Maths')).toEqual({ courseName: 'Maths', students: ['s2'] });
    expect(await store.projections.documents.get<CourseRoster>('course-rosters', 'Physics')).toEqual({ courseName: 'Physics', students: ['s1'] });
  });
});
