import { spec } from '@chronicle/core/testing';
import { describe, it } from 'vitest';
import { AlreadyEnrolledError, NotEnrolledError, StudentNotFoundError, studentDecider, type StudentEvent } from './student.js';

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
});
